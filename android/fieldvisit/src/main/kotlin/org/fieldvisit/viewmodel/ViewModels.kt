package org.fieldvisit.viewmodel

import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import org.fieldvisit.form.FormState
import org.fieldvisit.form.FormTemplate
import org.fieldvisit.store.SuspendingStore
import org.fieldvisit.store.isTransient
import org.fieldvisit.store.needsEnrollment
import uniffi.fieldvisit_core.DueStatus
import uniffi.fieldvisit_core.StaffMember
import uniffi.fieldvisit_ffi.AnswerValue
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStoreInterface
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.SealedRecord
import uniffi.fieldvisit_ffi.SyncSummary

// Plain-Kotlin view models of the sample app's screens. No Android imports: the activities observe
// them through `onChange`. The caseload and visit models call the blocking store from a background
// thread; the sync model is `suspend` on the coroutine layer (`org.fieldvisit.store`).

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
            error = e.message
        }
        onChange()
    }
}

/** The outcome of trying to seal. */
sealed interface SealOutcome {
    data class Sealed(val record: SealedRecord) : SealOutcome
    /** The core's `Incomplete` message, listing every problem by item. */
    data class Incomplete(val message: String) : SealOutcome
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

    /** The station's staff, offered by an investigators item (empty until a server sends it). */
    val staff: List<StaffMember> = store.stationStaff()

    companion object {
        /** Starts a new visit and opens its form. */
        fun start(
            store: FieldVisitStoreInterface, householdId: String, categoryCode: String,
            fix: GpsFixRecord?, nowMs: Long,
        ): VisitViewModel {
            val visitId = store.startVisit(householdId, categoryCode, fix, nowMs)
            val vm = VisitViewModel(store, visitId, FormState(FormTemplate.of(store.template(categoryCode))))
            vm.reevaluate()
            return vm
        }

        /** Reopens a draft (after the app was killed, for example). */
        fun resume(store: FieldVisitStoreInterface, visitId: String): VisitViewModel {
            val draft = store.draft(visitId)
            val code = uniffi.fieldvisit_ffi.categoryCode(draft.category)
            val vm = VisitViewModel(store, visitId, FormState(FormTemplate.of(store.template(code))))
            vm.form.restore(draft.answers, draft.photos, draft.instances)
            vm.reevaluate()
            return vm
        }
    }

    /**
     * Sends one answer (`null` clears it); a refusal is kept on the item. Returns whether the core
     * accepted it.
     */
    fun answer(path: String, value: AnswerValue?): Boolean {
        form.set(path, value)
        val ok = try {
            store.answer(visitId, path, value)
            form.accepted(path)
            true
        } catch (e: FieldVisitException) {
            form.rejected(path, e.message.orEmpty())
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
    } catch (e: FieldVisitException) {
        form.rejected(path, e.message.orEmpty())
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
            store.removeInstance(visitId, group, n)
            form.removeInstance(group, n)
            reevaluate()
            true
        } catch (e: FieldVisitException) {
            form.rejected(group, e.message.orEmpty())
            onChange()
            false
        }
    }

    /** Names of who is present, for a template without an investigators item. */
    fun setInvestigators(names: List<String>) = store.setInvestigators(visitId, names)
    fun setNotes(notes: String) = store.setNotes(visitId, notes)
    fun reportToPolice(nowMs: Long) = store.reportToPolice(visitId, nowMs)

    /** Finishes and seals; problems come back as a list for the screen. */
    fun finishAndSeal(nowMs: Long): SealOutcome = try {
        store.finish(visitId, nowMs)
        SealOutcome.Sealed(store.seal(visitId, nowMs))
    } catch (e: FieldVisitException.Incomplete) {
        SealOutcome.Incomplete(e.message.orEmpty())
    } catch (e: FieldVisitException) {
        SealOutcome.Failed(e.message.orEmpty())
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
    val pendingUploads: Int,
    /** Assessments a reviewer returned, waiting for the worker. */
    val returnedTasks: Int,
    /** A sync is running. */
    val running: Boolean,
    /** Visits uploaded of those queued, during a run. */
    val done: Int,
    val total: Int,
    /** What happened last, for the status line (zh / en). */
    val message: String,
    /** The last run failed; `message` says why. */
    val failed: Boolean,
    /** The last failure is transient: syncing again later can succeed. */
    val retryable: Boolean,
    /** The phone must enroll (again) with a new code before it can sync. */
    val needsEnrollment: Boolean,
)

/**
 * The sync screen: enroll once with the code from the station's admin, then sync on demand (the
 * WorkManager worker syncs in the background too). Every call is `suspend` and runs the core on
 * `Dispatchers.IO`; progress arrives through `onChange` on the sync's thread. Cancelling the
 * coroutine that runs [syncNow] (or calling [cancel]) stops the sync.
 */
class SyncViewModel(private val store: SuspendingStore) {
    var onChange: () -> Unit = {}

    /** A sync is running (readable from `onChange` without suspending). */
    var running = false
        private set
    /** Visits uploaded of those queued, during a run. */
    var done = 0
        private set
    var total = 0
        private set

    /** What happened last, for the status line (zh / en). */
    var message = "尚未同步 / not synced yet"
        private set
    private var failed = false
    private var retryable = false
    private var needsEnrollment = false
    private var job: Job? = null

    suspend fun state(): SyncState = SyncState(
        pendingDrafts = store.drafts().size,
        pendingUploads = store.pendingUploads(),
        returnedTasks = store.returnedTasks().size,
        running = running,
        done = done,
        total = total,
        message = message,
        failed = failed,
        retryable = retryable,
        needsEnrollment = needsEnrollment,
    )

    /** Redeems an enrollment code at the station's server; false (with the reason) when refused. */
    suspend fun enroll(serverUrl: String, code: String, deviceLabel: String): Boolean = try {
        store.enroll(serverUrl, code.trim(), deviceLabel)
        finish("已注册 / enrolled", null)
        true
    } catch (e: FieldVisitException) {
        finish("注册失败 / enrollment failed: ${e.message}", e)
        false
    }

    /** Runs one sync to the end; the summary, or null when it failed or was cancelled. */
    suspend fun syncNow(): SyncSummary? {
        job = currentCoroutineContext()[Job]
        running = true
        done = 0
        total = 0
        onChange()
        return try {
            val s = store.sync { d, t ->
                done = d
                total = t
                onChange()
            }
            val refused = if (s.refused.isEmpty()) "" else "，拒收 refused ${s.refused.size}"
            finish(
                "已同步 / synced: 上传 uploaded ${s.visitsCompleted}，照片 photos ${s.photosCompleted}，" +
                    "新任务 new tasks ${s.tasksReceived}$refused",
                null,
            )
            if (s.refused.isNotEmpty()) failed = true
            s
        } catch (e: FieldVisitException) {
            finish("同步失败 / sync failed: ${e.message}", e)
            null
        } catch (e: CancellationException) {
            finish("同步已取消 / sync cancelled", null)
            throw e
        } finally {
            job = null
        }
    }

    /** Stops a running sync: the core stops at its next request, or at once while it waits. */
    fun cancel() {
        job?.cancel()
    }

    private fun finish(text: String, error: FieldVisitException?) {
        running = false
        message = text
        failed = error != null
        retryable = error?.isTransient ?: false
        needsEnrollment = error?.needsEnrollment ?: false
        onChange()
    }
}
