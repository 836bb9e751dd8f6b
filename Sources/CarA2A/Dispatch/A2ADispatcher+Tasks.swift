/// ListTasks, CancelTask and SubscribeToTask.
extension A2ADispatcher {
    /// Newest status first; history cut to `historyLength`, artifacts only when asked for.
    func list(_ query: A2ATaskQuery) async throws(A2AError) -> A2ATaskPage {
        var page = try await storeCall { try await self.store.list(query) }
        page.tasks = page.tasks.map { $0.trimmed(historyLength: query.historyLength, includeArtifacts: query.includeArtifacts) }
        return page
    }

    /// Stops the work (its Swift task is cancelled, so the runtime stops) and records the task
    /// as canceled at once, without waiting for the runtime to return. A task that has ended
    /// is -32002; one that is not running here (left by an earlier process, or waiting for
    /// input) is simply recorded as canceled, as the SDK does for a task it does not hold.
    func cancel(_ id: String, caller: A2ACaller) async throws(A2AError) -> A2ATask {
        if let run = run(id), !run.isSettled {
            guard caller.owns(run.snapshot) else { throw .taskNotFound() }
            run.requestCancel()
            let task = await change(run) { task in
                task.status = A2ATaskStatus(state: .canceled, timestamp: clock())
                return [.status(statusUpdate(task))]
            }
            guard task.status.state == .canceled else { throw .taskNotCancelable() }
            return task
        }
        guard var task = try await currentTask(id, for: caller) else { throw .taskNotFound() }
        guard !task.status.state.isTerminal else { throw .taskNotCancelable() }
        task.status = A2ATaskStatus(state: .canceled, timestamp: clock())
        try await persist(task)
        return task
    }

    /// The task as it is, then its changes. A task that has ended is -32004 (the SDK's words);
    /// one not running here gets its current version and the stream ends.
    func subscribe(_ id: String, codec: A2ACodec, caller: A2ACaller) async throws(A2AError) -> AsyncStream<A2AStreamEvent> {
        if let run = run(id) {
            guard caller.owns(run.snapshot) else { throw .taskNotFound() }
            if let stream = try run.subscribe(codec: codec, historyLength: nil, limits: limits) { return stream }
        }
        guard let task = try await currentTask(id, for: caller) else { throw .taskNotFound() }
        guard !task.status.state.isTerminal else { throw .terminalTask(id, task.status.state) }
        return Self.single(.result(codec.encode(A2AUpdate.task(task))))
    }
}
