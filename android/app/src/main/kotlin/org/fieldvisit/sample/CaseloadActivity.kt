package org.fieldvisit.sample

import android.content.Intent
import android.os.Bundle
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.work.WorkManager
import java.time.LocalDate
import java.util.concurrent.Executors
import org.fieldvisit.android.FieldVisit
import org.fieldvisit.android.SyncWorker
import org.fieldvisit.viewmodel.CaseloadViewModel
import org.fieldvisit.viewmodel.SyncViewModel
import uniffi.fieldvisit_ffi.FieldVisitStore

/** The caseload list (most overdue first), enrollment, and the sync status with "sync now". */
class CaseloadActivity : ComponentActivity() {
    private val io = Executors.newSingleThreadExecutor()
    private lateinit var list: LinearLayout
    private lateinit var sync: TextView
    private lateinit var enrollRow: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        list = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        sync = TextView(this)
        val serverField = EditText(this).apply { hint = "服务器 / server URL" }
        val codeField = EditText(this).apply { hint = "注册码 / enrollment code" }
        enrollRow = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(serverField)
            addView(codeField)
            addView(Button(context).apply {
                text = "注册 / Enroll"
                setOnClickListener { enroll(serverField.text.toString(), codeField.text.toString()) }
            })
        }
        val syncNow = Button(this).apply {
            text = "立即同步 / Sync now"
            setOnClickListener { syncNow() }
        }
        setContentView(ScrollView(this).apply {
            addView(LinearLayout(context).apply {
                orientation = LinearLayout.VERTICAL
                addView(enrollRow)
                addView(sync)
                addView(syncNow)
                addView(list)
            })
        })
        SyncWorker.schedule(this)
        WorkManager.getInstance(this).getWorkInfosForUniqueWorkLiveData("fieldvisit-sync").observe(this) { infos ->
            val last = infos.firstOrNull()?.outputData?.getString(SyncWorker.KEY_STATUS)
            if (last != null) sync.text = "同步 / sync: $last"
        }
    }

    override fun onResume() {
        super.onResume()
        refresh()
    }

    /** Reloads the list and the status line off the main thread. */
    private fun refresh() {
        io.execute {
            val store = Stores.get(this)
            val vm = CaseloadViewModel(store)
            vm.refresh(LocalDate.now().toString())
            val line = statusLine()
            runOnUiThread { render(vm, line) }
        }
    }

    private fun syncModel(): SyncViewModel? =
        FieldVisit.serverUrl(this)?.let { SyncViewModel(Stores.get(this), it) }

    /** Called on `io`. */
    private fun statusLine(): String {
        val vm = syncModel() ?: return "尚未注册 / not enrolled — 草稿 / drafts: ${Stores.get(this).drafts().size}"
        val s = vm.state()
        return "草稿 / drafts: ${s.pendingDrafts} · 待上传 / to upload: ${s.pendingUploads} · " +
            "退回 / returned: ${s.returnedTasks} — ${s.message}"
    }

    private fun enroll(server: String, code: String) {
        io.execute {
            val vm = SyncViewModel(Stores.get(this), server.trim())
            val ok = vm.enroll(code, android.os.Build.MODEL)
            if (ok) FieldVisit.setServerUrl(this, server)
            val message = vm.state().message
            runOnUiThread { sync.text = message }
            if (ok) refresh()
        }
    }

    private fun syncNow() {
        io.execute {
            val vm = syncModel() ?: return@execute
            vm.onChange = {
                val s = vm.state()
                val text = if (s.running) "同步中 / syncing ${s.done}/${s.total}" else s.message
                runOnUiThread { sync.text = text }
            }
            vm.syncNow()
            refresh()
        }
    }

    private fun render(vm: CaseloadViewModel, syncLine: String) {
        enrollRow.visibility = if (FieldVisit.serverUrl(this) == null) android.view.View.VISIBLE else android.view.View.GONE
        sync.text = syncLine
        list.removeAllViews()
        vm.error?.let { list.addView(TextView(this).apply { text = it }) }
        for (row in vm.rows) {
            list.addView(Button(this).apply {
                text = "${row.headName} · ${row.categoryName} · ${row.dueOn ?: "—"} · ${row.status}" +
                    if (row.daysOverdue > 0) " (${row.daysOverdue}天)" else ""
                setOnClickListener {
                    startActivity(Intent(context, VisitActivity::class.java)
                        .putExtra(VisitActivity.HOUSEHOLD, row.householdId)
                        .putExtra(VisitActivity.CATEGORY, row.categoryCode))
                }
            })
        }
    }
}

/** One open store per process. */
object Stores {
    @Volatile private var store: FieldVisitStore? = null

    fun get(activity: ComponentActivity): FieldVisitStore =
        store ?: synchronized(this) { store ?: FieldVisit.open(activity.applicationContext).also { store = it } }
}
