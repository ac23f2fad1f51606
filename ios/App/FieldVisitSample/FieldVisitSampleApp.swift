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

/// The open store, shared by the screens. Work runs on a background queue; results come back on main.
final class AppModel: ObservableObject {
    @Published var rows: [CaseloadItem] = []
    @Published var names: [String: String] = [:]
    @Published var error: String?
    @Published var pendingDrafts = 0
    @Published var pendingUploads: UInt64 = 0
    @Published var returnedTasks = 0
    @Published var syncLine = "尚未同步 / not synced yet"
    @Published var syncing = false
    /// The station's server, remembered at enrollment.
    @Published var serverUrl: String? = UserDefaults.standard.string(forKey: "fieldvisit.serverUrl")
    let queue = DispatchQueue(label: "org.fieldvisit.core")
    private(set) var store: FieldVisitStore?

    func load() {
        queue.async {
            do {
                let store = try self.store ?? FieldVisit.open()
                let rows = try store.caseload(today: FieldVisit.today())
                var names: [String: String] = [:]
                for row in rows {
                    names[row.householdId] = try store.household(householdId: row.householdId)?.headName
                }
                let drafts = try store.drafts().count
                let uploads = try store.pendingUploads()
                let tasks = try store.returnedTasks().count
                DispatchQueue.main.async {
                    self.store = store
                    self.rows = rows
                    self.names = names
                    self.pendingDrafts = drafts
                    self.pendingUploads = uploads
                    self.returnedTasks = tasks
                    self.error = nil
                }
            } catch {
                DispatchQueue.main.async { self.error = "\(error)" }
            }
        }
    }

    /// Redeems the enrollment code from the station's admin and remembers the server.
    func enroll(server: String, code: String) {
        let server = server.trimmingCharacters(in: .whitespaces)
        queue.async {
            do {
                let store = try self.store ?? FieldVisit.open()
                try store.enroll(baseUrl: server, code: code.trimmingCharacters(in: .whitespaces),
                                 deviceLabel: "iOS")
                UserDefaults.standard.set(server, forKey: "fieldvisit.serverUrl")
                DispatchQueue.main.async {
                    self.serverUrl = server
                    self.syncLine = "已注册 / enrolled"
                }
                self.load()
            } catch {
                DispatchQueue.main.async { self.syncLine = "注册失败 / enrollment failed: \(error)" }
            }
        }
    }

    /// Pulls assignments and uploads sealed visits and photos, resuming where a run stopped.
    func syncNow() {
        guard let server = serverUrl, !syncing else { return }
        syncing = true
        queue.async {
            do {
                let store = try self.store ?? FieldVisit.open()
                let summary = try store.sync(baseUrl: server, listener: SyncProgress(model: self), cancel: nil)
                let refused = summary.refused.isEmpty ? "" : "，拒收 refused \(summary.refused.count)"
                DispatchQueue.main.async {
                    self.syncLine = "已同步 / synced: 上传 uploaded \(summary.visitsCompleted)，"
                        + "照片 photos \(summary.photosCompleted)，新任务 new tasks \(summary.tasksReceived)\(refused)"
                    self.syncing = false
                }
                self.load()
            } catch {
                DispatchQueue.main.async {
                    self.syncLine = "同步失败 / sync failed: \(error)"
                    self.syncing = false
                }
            }
        }
    }
}

/// Forwards the core's sync progress to the status line. The model is only touched on the main
/// queue, which makes sharing the listener with the core's sync thread safe.
final class SyncProgress: SyncListener, @unchecked Sendable {
    private weak var model: AppModel?

    init(model: AppModel) {
        self.model = model
    }

    func onProgress(done: UInt64, total: UInt64) {
        DispatchQueue.main.async { self.model?.syncLine = "同步中 / syncing \(done)/\(total)" }
    }

    func onFinished(uploaded: UInt64, error: String?) {}
}
