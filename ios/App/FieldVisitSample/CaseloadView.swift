import SwiftUI
import FieldVisit
import FieldVisitFFI

struct CaseloadView: View {
    @EnvironmentObject var app: AppModel

    var body: some View {
        List {
            Section("同步 / Sync") {
                SyncStatusView(pendingDrafts: app.pendingDrafts)
            }
            if let error = app.error {
                Text(error).foregroundColor(.red)
            }
            Section("走访任务 / Caseload") {
                ForEach(Array(app.rows.enumerated()), id: \.offset) { _, row in
                    NavigationLink {
                        VisitView(householdId: row.householdId, categoryCode: row.categoryCode)
                    } label: {
                        VStack(alignment: .leading) {
                            Text(app.names[row.householdId] ?? row.householdId).font(.headline)
                            Text("\(row.categoryLabel.zh) · \(row.dueOn ?? "—") · \(String(describing: row.status))")
                                .font(.caption)
                            if row.daysOverdue > 0 {
                                Text("逾期 \(row.daysOverdue) 天").font(.caption).foregroundColor(.red)
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle("FieldVisit")
        .onAppear { app.load() }
    }
}

/// Sync arrives later in the core; until then the screen says so plainly.
struct SyncStatusView: View {
    let pendingDrafts: Int

    var body: some View {
        VStack(alignment: .leading) {
            Text("草稿 / drafts: \(pendingDrafts)")
            Text("同步功能尚未接入 / sync is not in this build of the core yet").font(.caption)
        }
    }
}
