import CarEngine

extension JournalFolder.StartupReport {
    /// One line per kind of repair, and nothing when the folder needed none.
    func log(to logger: Logger) {
        if !repaired.isEmpty {
            logger.warning("cut torn tails of \(repaired.count) journal(s) (\(repaired.values.reduce(0, +)) bytes)")
        }
        if !removedEmpty.isEmpty { logger.info("removed \(removedEmpty.count) empty journal(s)") }
        if !removedLeftovers.isEmpty { logger.info("removed \(removedLeftovers.count) journal rewrite(s) left by a killed compaction") }
        if !cap.removed.isEmpty {
            logger.info("removed \(cap.removed.count) oldest journal(s) over the journals cap; the folder holds \(cap.files) file(s), \(cap.bytes) bytes")
        }
    }
}
