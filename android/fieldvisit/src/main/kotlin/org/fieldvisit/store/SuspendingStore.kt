package org.fieldvisit.store

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withContext
import uniffi.fieldvisit_core.LevelOverride
import uniffi.fieldvisit_core.StaffMember
import uniffi.fieldvisit_ffi.AnswerValue
import uniffi.fieldvisit_ffi.CaseloadItem
import uniffi.fieldvisit_ffi.DraftRecord
import uniffi.fieldvisit_ffi.EvaluationRecord
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.FieldVisitStoreInterface
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.HouseholdInfo
import uniffi.fieldvisit_ffi.KeyProvider
import uniffi.fieldvisit_ffi.ReturnedTask
import uniffi.fieldvisit_ffi.RevocationState
import uniffi.fieldvisit_ffi.SealedRecord
import uniffi.fieldvisit_ffi.SyncCancel
import uniffi.fieldvisit_ffi.SyncListener
import uniffi.fieldvisit_ffi.SyncSummary
import uniffi.fieldvisit_ffi.TemplateRecord

/**
 * The store for coroutines: every call is a `suspend` function that runs the synchronous core on
 * [Dispatchers.IO] (never on the main thread). Cancelling the coroutine that runs [sync] stops the
 * sync itself: the core stops at its next request, or at once while it waits to retry, and [sync]
 * ends with the coroutine's `CancellationException` only once it has stopped. Errors are the generated `FieldVisitException` subclasses; see
 * `android/API.md`.
 */
class SuspendingStore(
    /** The blocking store underneath, for code that already runs on a background thread. */
    val blocking: FieldVisitStoreInterface,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    companion object {
        /** Opens (or creates) the store at `path` with the master key from `keys`. */
        suspend fun open(path: String, keys: KeyProvider, io: CoroutineDispatcher = Dispatchers.IO): SuspendingStore =
            withContext(io) { SuspendingStore(FieldVisitStore.open(path, keys), io) }
    }

    private suspend fun <T> onIo(call: (FieldVisitStoreInterface) -> T): T = withContext(io) { call(blocking) }

    /** Redeems an enrollment code; the store keeps the server, so [sync] needs no address. */
    suspend fun enroll(baseUrl: String, code: String, deviceLabel: String) = onIo { it.enroll(baseUrl, code, deviceLabel) }

    /** The server this phone enrolled with; `null` before enrollment. */
    suspend fun serverUrl(): String? = onIo { it.serverUrl() }

    /**
     * Runs one sync with the enrolled server. [onProgress] gets `done` of `total` visits uploaded,
     * on the sync's thread. Cancelling the calling coroutine cancels the sync.
     */
    suspend fun sync(onProgress: (done: Int, total: Int) -> Unit = { _, _ -> }): SyncSummary {
        val cancel = SyncCancel()
        try {
            return coroutineScope {
                val run = async(io) {
                    try {
                        blocking.sync(Progress(onProgress), cancel)
                    } catch (e: FieldVisitException.Cancelled) {
                        // Only this function cancels `cancel`: the coroutine's cancellation stays one.
                        throw CancellationException(e.message).apply { initCause(e) }
                    }
                }
                try {
                    run.await()
                } catch (e: CancellationException) {
                    // The blocking call cannot be interrupted; the core's own token stops it, and
                    // this scope returns once it has.
                    cancel.cancel()
                    throw e
                }
            }
        } finally {
            cancel.close()
        }
    }

    private class Progress(private val onProgress: (Int, Int) -> Unit) : SyncListener {
        override fun onProgress(done: Int, total: Int) = onProgress.invoke(done, total)
        override fun onFinished(uploaded: Int, error: String?) {}
    }

    /** Sealed visits not yet wholly on the server. */
    suspend fun pendingUploads(): Int = onIo { it.pendingUploads() }

    /** Assessments returned by reviewers, oldest first. */
    suspend fun returnedTasks(): List<ReturnedTask> = onIo { it.returnedTasks() }

    /**
     * What the phone erased when a sync learned it had been revoked (`Revoked`), and how many
     * sealed visits it kept; `null` unless revoked and not enrolled again since.
     */
    suspend fun revocation(): RevocationState? = onIo { it.revocation() }

    /** Applies a pull of assignments (JSON), as a sync does. */
    suspend fun applyAssignments(json: String) = onIo { it.applyAssignments(json) }

    /** The caseload on `today` (`YYYY-MM-DD`), most overdue first. */
    suspend fun caseload(today: String): List<CaseloadItem> = onIo { it.caseload(today) }

    /** A household for display; `null` if it is not on this phone. */
    suspend fun household(householdId: String): HouseholdInfo? = onIo { it.household(householdId) }

    /** The newest template for a category code, typed, to render the form. */
    suspend fun template(categoryCode: String): TemplateRecord = onIo { it.template(categoryCode) }

    /** The newest template for a category code, as JSON, whole. */
    suspend fun templateJson(categoryCode: String): String = onIo { it.templateJson(categoryCode) }

    /** Starts a visit; returns its id. */
    suspend fun startVisit(householdId: String, categoryCode: String, fix: GpsFixRecord?, startedAtMs: Long): String =
        onIo { it.startVisit(householdId, categoryCode, fix, startedAtMs) }

    /** Answers one item (`item` or `group[n].item`) with a typed value (`null` clears it). */
    suspend fun answer(visitId: String, path: String, value: AnswerValue?) = onIo { it.answer(visitId, path, value) }

    /** The station's staff, to pick a form's investigators from. */
    suspend fun stationStaff(): List<StaffMember> = onIo { it.stationStaff() }

    /** Sets the names of who is present, for templates without an investigators item. */
    suspend fun setInvestigators(visitId: String, names: List<String>) = onIo { it.setInvestigators(visitId, names) }

    /** Sets free notes. */
    suspend fun setNotes(visitId: String, notes: String) = onIo { it.setNotes(visitId, notes) }

    /** Overrides a computed level with a reason; `null` removes the override. */
    suspend fun overrideLevel(visitId: String, score: String, over: LevelOverride?) = onIo { it.overrideLevel(visitId, score, over) }

    /** Marks "reported to police". */
    suspend fun reportToPolice(visitId: String, atMs: Long) = onIo { it.reportToPolice(visitId, atMs) }

    /** Records the end of the visit. */
    suspend fun finish(visitId: String, atMs: Long) = onIo { it.finish(visitId, atMs) }

    /** Attaches a camera JPEG to a photo item; returns the photo id. */
    suspend fun attachPhoto(visitId: String, itemPath: String, jpeg: ByteArray, capturedAtMs: Long): String =
        onIo { it.attachPhoto(visitId, itemPath, jpeg, capturedAtMs) }

    /** Removes a photo from a draft. */
    suspend fun removePhoto(visitId: String, photoId: String) = onIo { it.removePhoto(visitId, photoId) }

    /** Removes instance `index` of a repeat group. */
    suspend fun removeInstance(visitId: String, group: String, index: Int) = onIo { it.removeInstance(visitId, group, index) }

    /** One draft; its `answers` replay through [answer]. */
    suspend fun draft(visitId: String): DraftRecord = onIo { it.draft(visitId) }

    /** Every unsealed draft, oldest first. */
    suspend fun drafts(): List<DraftRecord> = onIo { it.drafts() }

    /** Live visibility, computed values and score levels. */
    suspend fun evaluate(visitId: String): EvaluationRecord = onIo { it.evaluate(visitId) }

    /** Validates, scores, encrypts, signs and chains the visit. */
    suspend fun seal(visitId: String, nowMs: Long): SealedRecord = onIo { it.seal(visitId, nowMs) }

    /** Checks every sealed visit's signature and link; returns how many were checked. */
    suspend fun verifyChain(): Long = onIo { it.verifyChain() }

    /** Releases the database file. */
    override fun close() {
        (blocking as? AutoCloseable)?.close()
    }
}
