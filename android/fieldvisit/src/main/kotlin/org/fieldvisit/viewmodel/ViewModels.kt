package org.fieldvisit.viewmodel

import org.fieldvisit.form.FormState
import org.fieldvisit.form.FormTemplate
import org.fieldvisit.form.Json
import uniffi.fieldvisit_core.DueStatus
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStoreInterface
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.SealedRecord
import uniffi.fieldvisit_ffi.SyncCancel
import uniffi.fieldvisit_ffi.SyncListener
import uniffi.fieldvisit_ffi.SyncSummary

// Plain-Kotlin view models of the sample app's screens. No Android imports: the activities observe
// them through `onChange` and call them from a background thread (the core is synchronous).

/** One row of the caseload screen. */
data class CaseloadRow(
    val householdId: String,
    val headName: String,
    val address: String,
    val categoryCode: String,
    val categoryName: String,
    val dueOn: String?,
    val status: DueStatus,
    val daysOverdue: Long,
)

class CaseloadViewModel(private val store: FieldVisitStoreInterface) {
    var rows: List<CaseloadRow> = emptyList()
        private set
    var error: String? = null
        private set
    var onChange: () -> Unit = {}

    /** Reloads the list for `today` (`YYYY-MM-DD`, local calendar). */
    fun refresh(today: String) {
        try {
            rows = store.caseload(today).map { e ->
                val h = store.household(e.householdId)
                CaseloadRow(
                    e.householdId, h?.headName ?: "", h?.address ?: "", e.categoryCode,
                    e.categoryLabel.zh, e.dueOn, e.status, e.daysOverdue,
                )
            }
            error = null
        } catch (e: FieldVisitException) {
            error = e.toString()
        }
        onChange()
    }
}

/** The outcome of trying to seal. */
sealed interface SealOutcome {
    data class Sealed(val record: SealedRecord) : SealOutcome
    data class Incomplete(val problems: List<String>) : SealOutcome
    data class Failed(val message: String) : SealOutcome
}

/** The form screen of one visit: any template, answers checked by the core as the worker types. */
class VisitViewModel private constructor(
    private val store: FieldVisitStoreInterface,
    val visitId: String,
    val form: FormState,
) {
    var onChange: () -> Unit = {}
    val levels: MutableMap<String, String> = linkedMapOf()

    companion object {
        /** Starts a new visit and opens its form. */
        fun start(
            store: FieldVisitStoreInterface, householdId: String, categoryCode: String,
            fix: GpsFixRecord?, nowMs: Long,
        ): VisitViewModel {
            val visitId = store.startVisit(householdId, categoryCode, fix, nowMs)
            val vm = VisitViewModel(store, visitId, FormState(FormTemplate.parse(store.templateJson(categoryCode))))
            vm.reevaluate()
            return vm
        }

        /** Reopens a draft (after the app was killed, for example). */
        fun resume(store: FieldVisitStoreInterface, visitId: String): VisitViewModel {
            val draft = store.draft(visitId)
            val code = uniffi.fieldvisit_ffi.categoryCode(draft.category)
            val vm = VisitViewModel(store, visitId, FormState(FormTemplate.parse(store.templateJson(code))))
            vm.form.restore(draft.answersJson)
            vm.reevaluate()
            return vm
        }
    }

    /** Sends one answer; a refusal is kept on the item. Returns whether the core accepted it. */
    fun answer(path: String, value: Json?): Boolean {
        val text = form.set(path, value)
        val ok = try {
            store.answer(visitId, path, text)
            form.accepted(path)
            true
        } catch (e: FieldVisitException.InvalidInput) {
            form.rejected(path, e.reason)
            false
        } catch (e: FieldVisitException) {
            form.rejected(path, e.toString())
            false
        }
        reevaluate()
        return ok
    }

    /** Stores a photo from the in-app camera into the core. */
    fun attachPhoto(path: String, jpeg: ByteArray, capturedAtMs: Long): Boolean = try {
        form.photoAdded(path, store.attachPhoto(visitId, path, jpeg, capturedAtMs))
        form.accepted(path)
        reevaluate()
        true
    } catch (e: FieldVisitException.InvalidInput) {
        form.rejected(path, e.reason)
        onChange()
        false
    } catch (e: FieldVisitException) {
        form.rejected(path, e.toString())
        onChange()
        false
    }

    fun removePhoto(photoId: String) {
        store.removePhoto(visitId, photoId)
        form.photoRemoved(photoId)
        reevaluate()
    }

    /** Shows a new, empty entry of a repeat group; it reaches the core with its first answer. */
    fun addInstance(group: String): Int? = form.addInstance(group)?.also { onChange() }

    /** Removes entry `n` of a repeat group with its photos; later entries move up. */
    fun removeInstance(group: String, n: Int): Boolean {
        if (n !in 0 until form.instances(group)) return false
        if (form.isNewInstance(group, n)) {
            form.removeInstance(group, n)
            onChange()
            return true
        }
        return try {
            store.removeInstance(visitId, group, n.toUInt())
            form.removeInstance(group, n)
            reevaluate()
            true
        } catch (e: FieldVisitException.InvalidInput) {
            form.rejected(group, e.reason)
            onChange()
            false
        } catch (e: FieldVisitException) {
            form.rejected(group, e.toString())
            onChange()
            false
        }
    }

    fun setInvestigators(names: List<String>) = store.setInvestigators(visitId, names)
    fun setNotes(notes: String) = store.setNotes(visitId, notes)
    fun reportToPolice(nowMs: Long) = store.reportToPolice(visitId, nowMs)

    /** Finishes and seals; problems come back as a list for the screen. */
    fun finishAndSeal(nowMs: Long): SealOutcome = try {
        store.finish(visitId, nowMs)
        SealOutcome.Sealed(store.seal(visitId, nowMs))
    } catch (e: FieldVisitException.Incomplete) {
        SealOutcome.Incomplete(e.problems)
    } catch (e: FieldVisitException) {
        SealOutcome.Failed(e.toString())
    }

    private fun reevaluate() {
        val ev = store.evaluate(visitId)
        form.applyHidden(ev.hidden)
        levels.clear()
        ev.scores.forEach { levels[it.score] = it.level }
        onChange()
    }
}

/** What the sync screen shows. */
data class SyncState(
    /** Visits still being recorded (not sealed). */
    val pendingDrafts: Int,
    /** Sealed visits not yet wholly on the server. */
    val pendingUploads: Long,
    /** Assessments a reviewer returned, waiting for the worker. */
    val returnedTasks: Int,
    /** A sync is running. */
    val running: Boolean,
    /** Visits uploaded of those queued, during a run. */
    val done: Long,
    val total: Long,
    /** What happened last, for the status line (zh / en). */
    val message: String,
    /** The last run failed; `message` says why. */
    val failed: Boolean,
)

/**
 * The sync screen: enroll once with the code from the station's admin, then sync on demand (the
 * WorkManager worker syncs in the background too). Call `enroll` and `syncNow` from a background
 * thread; progress arrives through `onChange` on that thread.
 */
class SyncViewModel(private val store: FieldVisitStoreInterface, private val serverUrl: String) {
    var onChange: () -> Unit = {}
    private var running = false
    private var done = 0L
    private var total = 0L
    private var message = "尚未同步 / not synced yet"
    private var failed = false
    private var cancel: SyncCancel? = null

    fun state(): SyncState = SyncState(
        pendingDrafts = store.drafts().size,
        pendingUploads = store.pendingUploads().toLong(),
        returnedTasks = store.returnedTasks().size,
        running = running,
        done = done,
        total = total,
        message = message,
        failed = failed,
    )

    /** Redeems an enrollment code; false (with the reason in the state) when refused. */
    fun enroll(code: String, deviceLabel: String): Boolean = try {
        store.enroll(serverUrl, code.trim(), deviceLabel)
        finish("已注册 / enrolled", false)
        true
    } catch (e: FieldVisitException) {
        finish("注册失败 / enrollment failed: $e", true)
        false
    }

    /** Runs one sync to the end (or until `cancel`); the summary, or null when it failed. */
    fun syncNow(): SyncSummary? {
        val token = SyncCancel()
        cancel = token
        running = true
        done = 0
        total = 0
        onChange()
        return try {
            val s = store.sync(serverUrl, Progress(), token)
            val refused = if (s.refused.isEmpty()) "" else "，拒收 refused ${s.refused.size}"
            finish(
                "已同步 / synced: 上传 uploaded ${s.visitsCompleted}，照片 photos ${s.photosCompleted}，" +
                    "新任务 new tasks ${s.tasksReceived}$refused",
                s.refused.isNotEmpty(),
            )
            s
        } catch (e: FieldVisitException) {
            finish("同步失败 / sync failed: $e", true)
            null
        } finally {
            cancel = null
        }
    }

    /** Stops a running sync at its next request; it then ends as failed (cancelled). */
    fun cancel() {
        cancel?.cancel()
    }

    private fun finish(text: String, isFailure: Boolean) {
        running = false
        message = text
        failed = isFailure
        onChange()
    }

    private inner class Progress : SyncListener {
        override fun onProgress(done: ULong, total: ULong) {
            this@SyncViewModel.done = done.toLong()
            this@SyncViewModel.total = total.toLong()
            onChange()
        }

        override fun onFinished(uploaded: ULong, error: String?) {}
    }
}
