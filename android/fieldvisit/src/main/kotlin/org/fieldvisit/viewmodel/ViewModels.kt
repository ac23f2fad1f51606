package org.fieldvisit.viewmodel

import org.fieldvisit.form.FormState
import org.fieldvisit.form.FormTemplate
import org.fieldvisit.form.Json
import uniffi.fieldvisit_core.DueStatus
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStoreInterface
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.SealedRecord

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

/** What the sync screen shows. Sync arrives later in the core; until then the state says so. */
data class SyncState(val pendingDrafts: Int, val available: Boolean, val message: String)

class SyncViewModel(private val store: FieldVisitStoreInterface) {
    fun state(): SyncState = SyncState(
        pendingDrafts = store.drafts().size,
        available = false,
        message = "同步功能尚未接入 / sync is not in this build of the core yet",
    )
}
