import CarGenerated
import CarRPC
import Foundation

// The high-risk host integrations. Each is approval-gated by the spec; the handler runs only
// after a person approved, and answers what is true on this platform.
extension CarHandler {
    public func automationRunApplescript(
        _ params: CarMethods.AutomationRunApplescript.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AutomationRunApplescript.Result {
        throw Self.platformUnsupported("automation.run_applescript", needs: "macOS (osascript)")
    }

    public func automationRunPowershell(
        _ params: CarMethods.AutomationRunPowershell.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AutomationRunPowershell.Result {
        throw Self.platformUnsupported("automation.run_powershell", needs: "Windows (powershell.exe)")
    }

    public func automationShortcutsRun(
        _ params: CarMethods.AutomationShortcutsRun.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AutomationShortcutsRun.Result {
        throw Self.platformUnsupported("automation.shortcuts.run", needs: "macOS (Shortcuts.app)")
    }

    public func messagesSend(
        _ params: CarMethods.MessagesSend.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MessagesSend.Result {
        throw Self.platformUnsupported("messages.send", needs: "macOS (Messages.app)")
    }

    public func mailSend(
        _ params: CarMethods.MailSend.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MailSend.Result {
        throw Self.platformUnsupported("mail.send", needs: "macOS (Mail.app)")
    }

    public func visionOcr(
        _ params: CarMethods.VisionOcr.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.VisionOcr.Result {
        guard let tesseract = TesseractOCR.locate() else { return .init(available: false, observations: []) }
        do {
            let words = try await TesseractOCR(executable: tesseract).recognize(imagePath: params.imagePath, languages: params.languages ?? [])
            return .init(available: true, observations: words.map {
                .init(confidence: $0.confidence, h: $0.h, text: $0.text, w: $0.w, x: $0.x, y: $0.y)
            })
        } catch {
            throw CarErrors.internalError("vision.ocr: \(error)")
        }
    }

    static func platformUnsupported(_ method: String, needs platform: String) -> RPCError {
        CarErrors.internalError("PlatformUnsupported: \(method) needs \(platform); this daemon runs on Linux")
    }
}
