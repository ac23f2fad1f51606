import SwiftUI
import FieldVisit
import FieldVisitFFI

/// Sample app: caseload list, a form that renders any template from the core, camera capture into
/// the core, and the sync status. Add ios/Package.swift to an Xcode iOS app target (ios/README.md).
@main
struct FieldVisitSampleApp: App {
    @StateObject private var app = AppModel()

    var body: some Scene {
        WindowGroup {
            NavigationStack {
                CaseloadView()
                    .environmentObject(app)
            }
        }
    }
}

/// The open store, shared by the screens. Form work runs on a background queue with the blocking
/// store; enrollment and sync use the `async` layer (`AsyncStore`) in main-actor tasks, so results
/// are published on main.
final class AppModel: ObservableObject {
    @Published var rows: [CaseloadItem] = []
    @Published var names: [String: String] = [:]
    @Published var error: String?
    @Published var pendingDrafts = 0
    @Published var pendingUploads = 0
    @Published var returnedTasks = 0
    @Published var syncLine = "尚未同步 / not synced yet"
    @Published var syncing = false
    /// The server the phone enrolled with (the store keeps it); `nil` before enrollment.
    @Published var serverUrl: String?
    let queue = DispatchQueue(label: "org.fieldvisit.core")
    private(set) var store: FieldVisitStore?
    private var syncTask: Task<Void, Never>?

    @MainActor
    private func asyncStore() async throws -> AsyncStore {
        if let store = store { return AsyncStore(store) }
        let opened = try await AsyncStore.open()
        store = opened.blocking
        return opened
    }

    func load() {
        Task { @MainActor in
            do {
                let s = try await asyncStore()
                let rows = try await s.caseload(today: FieldVisit.today())
                var names: [String: String] = [:]
                for row in rows {
                    names[row.householdId] = try await s.household(householdId: row.householdId)?.headName
                }
                self.rows = rows
                self.names = names
                self.pendingDrafts = try await s.drafts().count
                self.pendingUploads = try await s.pendingUploads()
                self.returnedTasks = try await s.returnedTasks().count
                self.serverUrl = try await s.serverUrl()
                self.error = nil
            } catch let e as FieldVisitError {
                self.error = e.message
            } catch {
                self.error = "\(error)"
            }
        }
    }

    /// Redeems the enrollment code from the station's admin; the store remembers the server.
    func enroll(server: String, code: String) {
        Task { @MainActor in
            do {
                let s = try await asyncStore()
                try await s.enroll(baseUrl: server.trimmingCharacters(in: .whitespaces),
                                   code: code.trimmingCharacters(in: .whitespaces), deviceLabel: "iOS")
                syncLine = "已注册 / enrolled"
                load()
            } catch let e as FieldVisitError {
                syncLine = "注册失败 / enrollment failed: \(e.message)"
            } catch {
                syncLine = "注册失败 / enrollment failed: \(error)"
            }
        }
    }

    /// Pulls assignments and uploads sealed visits and photos, resuming where a run stopped.
    func syncNow() {
        guard serverUrl != nil, !syncing else { return }
        syncing = true
        syncTask = Task { @MainActor in
            defer { self.syncing = false }
            do {
                let s = try await asyncStore()
                let summary = try await s.sync { done, total in
                    Task { @MainActor in self.syncLine = "同步中 / syncing \(done)/\(total)" }
                }
                let refused = summary.refused.isEmpty ? "" : "，拒收 refused \(summary.refused.count)"
                syncLine = "已同步 / synced: 上传 uploaded \(summary.visitsCompleted)，"
                    + "照片 photos \(summary.photosCompleted)，新任务 new tasks \(summary.tasksReceived)\(refused)"
                load()
            } catch let e as FieldVisitError {
                // Only a transient failure is worth a retry button; a refusal needs enrollment.
                syncLine = "同步失败 / sync failed: \(e.message)"
                if e.needsEnrollment { serverUrl = nil }
            } catch {
                syncLine = "同步失败 / sync failed: \(error)"
            }
        }
    }

    /// Stops a running sync; it ends with `FieldVisitError.Cancelled`.
    func cancelSync() {
        syncTask?.cancel()
    }
}
