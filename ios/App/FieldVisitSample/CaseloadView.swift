import SwiftUI
import FieldVisit
import FieldVisitFFI

struct CaseloadView: View {
    @EnvironmentObject var app: AppModel

    var body: some View {
        List {
            Section("同步 / Sync") {
                SyncStatusView()
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

/// Enrollment (once), the queue, and "sync now".
struct SyncStatusView: View {
    @EnvironmentObject var app: AppModel
    @State private var server = ""
    @State private var code = ""

    var body: some View {
        VStack(alignment: .leading) {
            if app.serverUrl == nil {
                TextField("服务器 / server URL", text: $server)
                TextField("注册码 / enrollment code", text: $code)
                Button("注册 / Enroll") { app.enroll(server: server, code: code) }
            }
            Text("草稿 / drafts: \(app.pendingDrafts) · 待上传 / to upload: \(app.pendingUploads) · 退回 / returned: \(app.returnedTasks)")
            Text(app.syncLine).font(.caption)
            if app.serverUrl != nil {
                Button("立即同步 / Sync now") { app.syncNow() }.disabled(app.syncing)
            }
        }
    }
}
