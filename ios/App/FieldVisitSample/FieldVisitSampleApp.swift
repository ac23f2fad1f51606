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
                DispatchQueue.main.async {
                    self.store = store
                    self.rows = rows
                    self.names = names
                    self.pendingDrafts = drafts
                    self.error = nil
                }
            } catch {
                DispatchQueue.main.async { self.error = "\(error)" }
            }
        }
    }
}
