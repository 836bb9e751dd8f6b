import CarJSON

/// SendMessage and SendStreamingMessage, and the work they start.
extension A2ADispatcher {
    /// Blocking unless `returnImmediately`: answers once the task ends or waits for input,
    /// or after `limits.blockingWait` with the task as it is then. With `returnImmediately`,
    /// answers once the work has started (the task is working).
    ///
    /// A conversational message also answers with a (completed) task, never a bare message:
    /// the agent's reply is the task's status message and the last message of its history,
    /// so GetTask, ListTasks and a later follow-up see it the same way.
    func send(_ request: A2ASendRequest, caller: A2ACaller) async throws(A2AError) -> A2ASendResult {
        let (run, work) = try await prepare(request, caller: caller)
        launch(run, work, caller: caller)
        let immediate = request.configuration.returnImmediately
        await run.wait(until: { task in immediate ? task.status.state != .submitted : task.status.state.endsInteraction },
                       timeout: limits.blockingWait)
        return .task(run.snapshot.trimmed(historyLength: request.configuration.historyLength))
    }

    /// The task first (submitted), then its status and artifact updates, to the end.
    func sendStreaming(_ request: A2ASendRequest, codec: A2ACodec, caller: A2ACaller) async throws(A2AError) -> AsyncStream<A2AStreamEvent> {
        let (run, work) = try await prepare(request, caller: caller)
        // Subscribed before the work starts, so the stream misses nothing.
        let stream: AsyncStream<A2AStreamEvent>?
        do {
            stream = try run.subscribe(codec: codec, historyLength: request.configuration.historyLength, limits: limits)
        } catch {
            launch(run, work, caller: caller)
            throw error
        }
        launch(run, work, caller: caller)
        return stream ?? Self.single(.result(codec.encode(A2AUpdate.task(run.snapshot))))
    }

    /// Checks the message, makes (or continues) its task, saves it as submitted and takes a
    /// running slot for it. Nothing runs yet.
    private func prepare(_ request: A2ASendRequest, caller: A2ACaller) async throws(A2AError) -> (A2ATaskRun, A2AWork) {
        var message = request.message
        guard message.parts.count <= limits.maxPartsPerMessage else {
            throw .invalidParams(field: "message.parts", "\(message.parts.count) parts; a message holds at most \(limits.maxPartsPerMessage)")
        }
        let bytes = message.contentBytes
        guard bytes <= limits.maxMessageBytes else {
            throw .invalidParams(field: "message.parts", "the parts hold \(bytes) bytes; a message holds at most \(limits.maxMessageBytes)")
        }
        let work = try A2AWork(message)

        var task: A2ATask
        if let taskID = message.taskID {
            guard let existing = try await currentTask(taskID, for: caller) else { throw .taskNotFound(taskID) }
            if let contextID = message.contextID, contextID != existing.contextID {
                throw .invalidParams(field: "message.contextId",
                                     "Context \(A2AError.clip(contextID)) does not match context \(existing.contextID) of task \(A2AError.clip(taskID))")
            }
            guard !existing.status.state.isTerminal else { throw .terminalTask(taskID, existing.status.state) }
            task = existing
        } else {
            let id = A2AIdentifier.make()
            task = A2ATask(id: id, contextID: message.contextID ?? A2AIdentifier.make(), status: A2ATaskStatus(state: .submitted),
                           owner: caller.peerID)
        }
        message.taskID = task.id
        message.contextID = task.contextID
        append(message, to: &task)
        task.status = A2ATaskStatus(state: .submitted, timestamp: clock())
        if let metadata = request.metadata, task.metadata == nil { task.metadata = metadata }

        let run = try reserve(task)
        do {
            try await persist(task)
        } catch {
            release(run)
            throw error
        }
        return (run, work)
    }

    func append(_ message: A2AMessage, to task: inout A2ATask) {
        task.history.append(message)
        if task.history.count > limits.maxHistory { task.history.removeFirst(task.history.count - limits.maxHistory) }
    }

    /// Starts the work; its slot is given back when the runtime has returned.
    func launch(_ run: A2ATaskRun, _ work: A2AWork, caller: A2ACaller) {
        run.start { [self] in
            await perform(work, in: run, caller: caller)
            release(run)
        }
    }

    private func perform(_ work: A2AWork, in run: A2ATaskRun, caller: A2ACaller) async {
        let start = run.snapshot
        let context = A2AExecutionContext(taskID: start.id, contextID: start.contextID, caller: caller)
        await change(run) { task in
            task.status = A2ATaskStatus(state: .working, timestamp: clock())
            return [.status(statusUpdate(task))]
        }
        // Canceled (or shut down) before it started: the runtime is not called at all.
        guard !run.isSettled, !Task.isCancelled else {
            await change(run) { task in finish(&task, .canceled) }
            return
        }
        let outcome: Outcome
        do {
            switch work {
            case .tool(let name, let parameters):
                let result = try await runtime.execute(tool: name, parameters: parameters, context: context)
                let size = JSONWriter.encodedCount(result)
                outcome = size > limits.maxResultBytes
                    ? .failed("the tool \(name) returned \(size) bytes, over the limit of \(limits.maxResultBytes)")
                    : .artifact(A2AArtifact(artifactID: A2AIdentifier.make(), name: name, parts: [.data(result)]))
            case .converse(let text):
                let reply = try await runtime.converse(text: text, context: context) ?? "Acknowledged."
                outcome = reply.utf8.count > limits.maxResultBytes
                    ? .failed("the reply is \(reply.utf8.count) bytes, over the limit of \(limits.maxResultBytes)")
                    : .reply(reply)
            }
        } catch {
            outcome = error is CancellationError || Task.isCancelled ? .canceled : .failed(String(describing: error))
        }
        await change(run) { task in finish(&task, outcome) }
    }

    private enum Outcome {
        case artifact(A2AArtifact)
        case reply(String)
        case failed(String)
        case canceled
    }

    private func finish(_ task: inout A2ATask, _ outcome: Outcome) -> [A2AUpdate] {
        let now = clock()
        switch outcome {
        case .artifact(let artifact):
            task.artifacts.append(artifact)
            task.status = A2ATaskStatus(state: .completed, timestamp: now)
            return [.artifact(A2AArtifactUpdate(taskID: task.id, contextID: task.contextID, artifact: artifact, lastChunk: true)),
                    .status(statusUpdate(task))]
        case .reply(let text):
            let reply = A2AMessage.agentText(text, taskID: task.id, contextID: task.contextID)
            append(reply, to: &task)
            task.status = A2ATaskStatus(state: .completed, message: reply, timestamp: now)
        case .failed(let text):
            let clipped = A2AError.clip(text, to: limits.maxErrorTextBytes)
            task.status = A2ATaskStatus(state: .failed, message: .agentText(clipped, taskID: task.id, contextID: task.contextID), timestamp: now)
        case .canceled:
            task.status = A2ATaskStatus(state: .canceled, timestamp: now)
        }
        return [.status(statusUpdate(task))]
    }

    func statusUpdate(_ task: A2ATask) -> A2AStatusUpdate {
        A2AStatusUpdate(taskID: task.id, contextID: task.contextID, status: task.status)
    }

    /// A change to a running task; a save that fails is reported, not thrown (the request
    /// that started the work may have been answered long ago).
    @discardableResult
    func change(_ run: A2ATaskRun, _ body: (inout A2ATask) -> [A2AUpdate]?) async -> A2ATask {
        await run.commit(persist: persist, saveFailed: { [warn, id = run.id] error in
            warn("A2A task \(id): could not save its new state: \(error.message)")
        }, body)
    }
}
