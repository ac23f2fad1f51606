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
import uniffi.fieldvisit_ffi.SyncListener

/**
 * Background upload of sealed visits when a network is there.
 *
 * SYNC ARRIVES LATER: the core has no sync yet (outbox → server, exactly once). When it lands as
 * `FieldVisitStore.sync(serverUrl, listener)`, call it where marked below. Until then this worker
 * does nothing and reports failure with a status that says so; it never pretends to have uploaded.
 */
class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    override fun doWork(): Result {
        // SYNC ARRIVES LATER:
        //   FieldVisit.open(applicationContext).use { it.sync(serverUrl, WorkProgress(this)) }
        return Result.failure(workDataOf(KEY_STATUS to "sync is not in this build of the core yet"))
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
