package org.fieldvisit.sample

import android.content.Intent
import android.os.Bundle
import android.widget.Button
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

/** The caseload list (most overdue first) and the sync status. */
class CaseloadActivity : ComponentActivity() {
    private val io = Executors.newSingleThreadExecutor()
    private lateinit var list: LinearLayout
    private lateinit var sync: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        list = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        sync = TextView(this)
        setContentView(ScrollView(this).apply {
            addView(LinearLayout(context).apply {
                orientation = LinearLayout.VERTICAL
                addView(sync)
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
        io.execute {
            val store = Stores.get(this)
            val vm = CaseloadViewModel(store)
            vm.refresh(LocalDate.now().toString())
            val status = SyncViewModel(store).state()
            runOnUiThread { render(vm, status.message, status.pendingDrafts) }
        }
    }

    private fun render(vm: CaseloadViewModel, syncMessage: String, drafts: Int) {
        sync.text = "草稿 / drafts: $drafts — $syncMessage"
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
