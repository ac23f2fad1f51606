package org.fieldvisit.sample

import android.content.Intent
import android.os.Bundle
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.lifecycle.lifecycleScope
import androidx.work.WorkManager
import java.time.LocalDate
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.fieldvisit.android.FieldVisit
import org.fieldvisit.android.SyncWorker
import org.fieldvisit.store.SuspendingStore
import org.fieldvisit.viewmodel.CaseloadViewModel
import org.fieldvisit.viewmodel.SyncViewModel
import uniffi.fieldvisit_ffi.FieldVisitStore

/** The caseload list (most overdue first), enrollment, and the sync status with "sync now". */
class CaseloadActivity : ComponentActivity() {
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

    private fun store() = SuspendingStore(Stores.get(this))

    /** Reloads the list and the status line; the core runs on `Dispatchers.IO`. */
    private fun refresh() {
        lifecycleScope.launch {
            val store = store()
            val vm = withContext(Dispatchers.IO) {
                CaseloadViewModel(store.blocking).apply { refresh(LocalDate.now().toString()) }
            }
            val enrolled = store.serverUrl() != null
            render(vm, statusLine(store, enrolled), enrolled)
        }
    }

    private suspend fun statusLine(store: SuspendingStore, enrolled: Boolean): String {
        if (!enrolled) return "尚未注册 / not enrolled — 草稿 / drafts: ${store.drafts().size}"
        val s = SyncViewModel(store).state()
        return "草稿 / drafts: ${s.pendingDrafts} · 待上传 / to upload: ${s.pendingUploads} · " +
            "退回 / returned: ${s.returnedTasks} — ${s.message}"
    }

    private fun enroll(server: String, code: String) {
        lifecycleScope.launch {
            val vm = SyncViewModel(store())
            val ok = vm.enroll(server.trim(), code, android.os.Build.MODEL)
            sync.text = vm.message
            if (ok) refresh()
        }
    }

    /** Runs on the activity's scope: leaving the screen cancels the coroutine, and with it the sync. */
    private fun syncNow() {
        lifecycleScope.launch {
            val vm = SyncViewModel(store())
            vm.onChange = {
                val text = if (vm.running) "同步中 / syncing ${vm.done}/${vm.total}" else vm.message
                runOnUiThread { sync.text = text }
            }
            vm.syncNow()
            refresh()
        }
    }

    private fun render(vm: CaseloadViewModel, syncLine: String, enrolled: Boolean) {
        enrollRow.visibility = if (enrolled) android.view.View.GONE else android.view.View.VISIBLE
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
        store ?: synchronized(this) { store ?: FieldVisit.openBlocking(activity.applicationContext).also { store = it } }
}
