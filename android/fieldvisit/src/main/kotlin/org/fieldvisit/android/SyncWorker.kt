package org.fieldvisit.android

import android.content.Context
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import java.util.concurrent.TimeUnit
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.SyncListener

/**
 * Background sync when a network is there: pulls assignments and uploads sealed visits and their
 * photos, exactly once, resuming where an earlier run stopped. Transient failures (no network,
 * server busy) retry with WorkManager's backoff; permanent ones (revoked device, not enrolled) stop
 * and say so in the status.
 */
class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    override fun doWork(): Result {
        val server = FieldVisit.serverUrl(applicationContext)
            ?: return Result.failure(workDataOf(KEY_STATUS to "not enrolled"))
        return try {
            val summary = FieldVisit.open(applicationContext).use { it.sync(server, WorkProgress(this), null) }
            Result.success(workDataOf(KEY_STATUS to "ok", KEY_DONE to summary.visitsCompleted.toLong()))
        } catch (e: FieldVisitException.Network) {
            Result.retry()
        } catch (e: FieldVisitException) {
            Result.failure(workDataOf(KEY_STATUS to e.toString()))
        }
    }

    /** Forwards the core's sync progress to WorkManager (observed by the sync status screen). */
    class WorkProgress(private val worker: Worker) : SyncListener {
        override fun onProgress(done: ULong, total: ULong) {
            worker.setProgressAsync(workDataOf(KEY_DONE to done.toLong(), KEY_TOTAL to total.toLong()))
        }

        override fun onFinished(uploaded: ULong, error: String?) {
            worker.setProgressAsync(workDataOf(KEY_DONE to uploaded.toLong(), KEY_STATUS to (error ?: "ok")))
        }
    }

    companion object {
        const val KEY_STATUS = "status"
        const val KEY_DONE = "done"
        const val KEY_TOTAL = "total"

        /** Schedules the worker every hour on any network. */
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("fieldvisit-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
