import Foundation
import FieldVisitFFI

/// What one sync run did, with counts as `Int`.
public struct SyncResult: Equatable, Sendable {
    /// Households added or changed by the pull.
    public let householdsReceived: Int
    /// Assessments returned to the worker.
    public let tasksReceived: Int
    /// Visits now fully on the server.
    public let visitsCompleted: Int
    /// Photos completed.
    public let photosCompleted: Int
    /// Bytes sent.
    public let bytesSent: Int
    /// Visits the server refused for good (`visit_id: code`).
    public let refused: [String]

    init(_ s: SyncSummary) {
        householdsReceived = Int(s.householdsReceived)
        tasksReceived = Int(s.tasksReceived)
        visitsCompleted = Int(s.visitsCompleted)
        photosCompleted = Int(s.photosCompleted)
        bytesSent = Int(s.bytesSent)
        refused = s.refused
    }
}

/// What the phone erased when a sync learned it had been revoked, and what it kept.
public struct Revocation: Equatable, Sendable {
    /// When the phone erased its data, ms since the Unix epoch (the phone's clock).
    public let erasedAtMs: Int64
    /// Households of the caseload erased.
    public let householdsErased: Int
    /// Unsent drafts erased.
    public let draftsErased: Int
    /// Photos erased.
    public let photosErased: Int
    /// Returned assessments erased.
    public let tasksErased: Int
    /// Sealed visits kept: only their audiences can open them; sent after a new enrollment.
    public let sealedKept: Int

    init(_ r: RevocationState) {
        erasedAtMs = r.erasedAtMs
        householdsErased = Int(r.householdsErased)
        draftsErased = Int(r.draftsErased)
        photosErased = Int(r.photosErased)
        tasksErased = Int(r.tasksErased)
        sealedKept = Int(r.sealedKept)
    }
}

/// The store for Swift concurrency: every call is `async throws` (a `FieldVisitError`) and runs the
/// synchronous core on a background queue, never on the main thread. Cancelling the task that runs
/// `sync` stops the sync itself: the core stops at its next request, or at once while it waits to
/// retry, and `sync` then throws `CancellationError`. Counts are `Int`. See `ios/API.md`.
public final class AsyncStore: @unchecked Sendable {
    /// The blocking store underneath, for code that already runs off the main thread.
    public let blocking: FieldVisitStore
    private let queue = DispatchQueue(label: "org.fieldvisit.core", qos: .userInitiated, attributes: .concurrent)

    public init(_ store: FieldVisitStore) {
        self.blocking = store
    }

    /// Opens the app's store (`FieldVisit.open`) off the main thread.
    public static func open(keys: KeyProvider = KeychainKeyProvider()) async throws -> AsyncStore {
        let store = try await onQueue(DispatchQueue.global(qos: .userInitiated)) { try FieldVisit.open(keys: keys) }
        return AsyncStore(store)
    }

    private static func onQueue<T>(_ queue: DispatchQueue, _ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func run<T>(_ work: @escaping (FieldVisitStore) throws -> T) async throws -> T {
        let store = blocking
        return try await AsyncStore.onQueue(queue) { try work(store) }
    }

    /// Redeems an enrollment code; the store keeps the server, so `sync` needs no address.
    public func enroll(baseUrl: String, code: String, deviceLabel: String) async throws {
        try await run { try $0.enroll(baseUrl: baseUrl, code: code, deviceLabel: deviceLabel) }
    }

    /// The server this phone enrolled with; `nil` before enrollment.
    public func serverUrl() async throws -> String? {
        try await run { try $0.serverUrl() }
    }

    /// Runs one sync with the enrolled server; `onProgress` gets `done` of `total` visits uploaded,
    /// on the sync's thread. Cancelling the calling task cancels the sync.
    public func sync(onProgress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> SyncResult {
        let cancel = SyncCancel()
        let listener = ProgressForwarder(onProgress)
        do {
            return try await withTaskCancellationHandler {
                try await run { SyncResult(try $0.sync(listener: listener, cancel: cancel)) }
            } onCancel: {
                cancel.cancel()
            }
        } catch FieldVisitError.Cancelled {
            // Only this function cancels `cancel`: the task's cancellation stays one.
            throw CancellationError()
        }
    }

    /// Sealed visits not yet wholly on the server.
    public func pendingUploads() async throws -> Int {
        try await run { Int(try $0.pendingUploads()) }
    }

    /// Assessments returned by reviewers, oldest first.
    public func returnedTasks() async throws -> [ReturnedTask] {
        try await run { try $0.returnedTasks() }
    }

    /// What the phone erased when a sync learned it had been revoked (`.Revoked`); `nil` unless
    /// revoked and not enrolled again since.
    public func revocation() async throws -> Revocation? {
        try await run { try $0.revocation().map(Revocation.init) }
    }

    /// The caseload on `today` (`YYYY-MM-DD`), most overdue first.
    public func caseload(today: String) async throws -> [CaseloadItem] {
        try await run { try $0.caseload(today: today) }
    }

    /// A household for display; `nil` if it is not on this phone.
    public func household(householdId: String) async throws -> HouseholdInfo? {
        try await run { try $0.household(householdId: householdId) }
    }

    /// The newest template for a category code, typed, to render the form.
    public func template(categoryCode: String) async throws -> TemplateRecord {
        try await run { try $0.template(categoryCode: categoryCode) }
    }

    /// The newest template for a category code, as JSON, whole.
    public func templateJson(categoryCode: String) async throws -> String {
        try await run { try $0.templateJson(categoryCode: categoryCode) }
    }

    /// Starts a visit; returns its id.
    public func startVisit(householdId: String, categoryCode: String, fix: GpsFixRecord?, startedAtMs: Int64) async throws -> String {
        try await run { try $0.startVisit(householdId: householdId, categoryCode: categoryCode, fix: fix, startedAtMs: startedAtMs) }
    }

    /// Answers one item (`item` or `group[n].item`) with a typed value (`nil` clears it).
    public func answer(visitId: String, path: String, value: AnswerValue?) async throws {
        try await run { try $0.answer(visitId: visitId, path: path, value: value) }
    }

    /// Replays a stored draft's answers (`DraftRecord.answers`) into a visit.
    public func restore(visitId: String, answers: [DraftAnswer]) async throws {
        try await run { store in
            for a in answers {
                try store.answer(visitId: visitId, path: a.path, value: a.value)
            }
        }
    }

    /// The station's staff, to pick a form's investigators from (empty until a server sends it).
    public func stationStaff() async throws -> [StaffMember] {
        try await run { try $0.stationStaff() }
    }

    /// Sets the names of who is present, for templates without an investigators item.
    public func setInvestigators(visitId: String, names: [String]) async throws {
        try await run { try $0.setInvestigators(visitId: visitId, names: names) }
    }

    /// Sets free notes.
    public func setNotes(visitId: String, notes: String) async throws {
        try await run { try $0.setNotes(visitId: visitId, notes: notes) }
    }

    /// Records the end of the visit.
    public func finish(visitId: String, atMs: Int64) async throws {
        try await run { try $0.finish(visitId: visitId, atMs: atMs) }
    }

    /// Attaches a camera JPEG to a photo item; returns the photo id.
    public func attachPhoto(visitId: String, itemPath: String, jpeg: Data, capturedAtMs: Int64) async throws -> String {
        try await run { try $0.attachPhoto(visitId: visitId, itemPath: itemPath, jpeg: jpeg, capturedAtMs: capturedAtMs) }
    }

    /// Removes entry `index` of a repeat group with its photos.
    public func removeInstance(visitId: String, group: String, index: Int) async throws {
        try await run { try $0.removeInstance(visitId: visitId, group: group, index: Int32(clamping: index)) }
    }

    /// One draft; its `answers` replay through `answer` (or `restore`).
    public func draft(visitId: String) async throws -> DraftRecord {
        try await run { try $0.draft(visitId: visitId) }
    }

    /// Every unsealed draft, oldest first.
    public func drafts() async throws -> [DraftRecord] {
        try await run { try $0.drafts() }
    }

    /// Live visibility, computed values and score levels.
    public func evaluate(visitId: String) async throws -> EvaluationRecord {
        try await run { try $0.evaluate(visitId: visitId) }
    }

    /// Validates, scores, encrypts, signs and chains the visit.
    public func seal(visitId: String, nowMs: Int64) async throws -> SealedRecord {
        try await run { try $0.seal(visitId: visitId, nowMs: nowMs) }
    }

    /// Checks every sealed visit's signature and link; returns how many were checked.
    public func verifyChain() async throws -> Int {
        try await run { Int(try $0.verifyChain()) }
    }
}

/// Hands the core's progress to a closure.
private final class ProgressForwarder: SyncListener, @unchecked Sendable {
    private let onProgress: @Sendable (Int, Int) -> Void

    init(_ onProgress: @escaping @Sendable (Int, Int) -> Void) {
        self.onProgress = onProgress
    }

    func onProgress(done: Int32, total: Int32) {
        onProgress(Int(done), Int(total))
    }

    func onFinished(uploaded: Int32, error: String?) {}
}
