import Synchronization
import Testing
@testable import CarHost

struct Counters: Sendable {
    var current = 0
    var peak = 0
}

@Suite("Inference admission")
struct InferenceAdmissionTests {
    private let gib: UInt64 = 1 << 30

    @Test func sizingFromMemory() {
        #expect(InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 16 * gib).status.total == 2)
        #expect(InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 4 * gib).status.total == 1)
        #expect(InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 128 * gib).status.total == 8)
        #expect(InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 0).status.total == 1)
        #expect(InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 24 * gib).status.total == 3)
        let sized = InferenceAdmission.fromEnvironment([:], physicalMemoryBytes: 16 * gib).status
        #expect(sized.envOverride == false)
        #expect(sized.available == 2)
        #expect(sized.inUse == 0)
    }

    @Test func fromProcessHasAtLeastOnePermit() {
        let status = InferenceAdmission.fromProcess().status
        #expect(status.total >= 1)
        #expect(status.available == status.total)
    }

    @Test func environmentOverride() {
        let overridden = InferenceAdmission.fromEnvironment(["CAR_INFERENCE_MAX_CONCURRENT": "3"],
                                                            physicalMemoryBytes: 128 * gib).status
        #expect(overridden.total == 3)
        #expect(overridden.envOverride == true)
        // Garbage, zero and negatives fall back to the memory sizing.
        for raw in ["", "abc", "0", "-2"] {
            let status = InferenceAdmission.fromEnvironment(["CAR_INFERENCE_MAX_CONCURRENT": raw],
                                                            physicalMemoryBytes: 16 * gib).status
            #expect(status.total == 2, "\(raw)")
            #expect(status.envOverride == false, "\(raw)")
        }
    }

    @Test func acquireBlocksWhenExhaustedAndResumesOnRelease() async throws {
        let admission = InferenceAdmission(permits: 2, envOverride: false)
        await admission.acquire()
        await admission.acquire()
        #expect(admission.status.available == 0)
        #expect(admission.status.inUse == 2)

        let admitted = Locked<[Int]>([])
        let third = Task {
            await admission.acquire()
            admitted.withLock { $0.append(3) }
        }
        try await waitUntil { admission.waiting == 1 }
        let fourth = Task {
            await admission.acquire()
            admitted.withLock { $0.append(4) }
        }
        try await waitUntil { admission.waiting == 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(admitted.withLock { $0 }.isEmpty)

        admission.release()
        await third.value
        #expect(admitted.withLock { $0 } == [3])
        #expect(admission.waiting == 1)
        #expect(admission.status.available == 0)

        admission.release()
        await fourth.value
        #expect(admitted.withLock { $0 } == [3, 4])

        admission.release()
        admission.release()
        #expect(admission.status.available == 2)
        // An extra release never exceeds the total.
        admission.release()
        #expect(admission.status.available == 2)
    }

    @Test func withPermitBoundsConcurrency() async {
        let admission = InferenceAdmission(permits: 2, envOverride: false)
        let counters = Locked<Counters>(Counters())
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    await admission.withPermit {
                        counters.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) }
                        try? await Task.sleep(for: .milliseconds(10))
                        counters.withLock { $0.current -= 1 }
                    }
                }
            }
        }
        #expect(counters.withLock { $0.peak } == 2)
        #expect(admission.status.available == 2)
    }
}
