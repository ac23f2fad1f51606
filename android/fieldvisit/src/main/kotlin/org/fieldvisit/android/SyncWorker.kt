package org.fieldvisit.android

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import java.util.concurrent.TimeUnit
import org.fieldvisit.store.isTransient
import org.fieldvisit.store.needsEnrollment
import uniffi.fieldvisit_ffi.FieldVisitException

/**
 * Background sync when a network is there, with the server the phone enrolled with: pulls
 * assignments and uploads sealed visits and their photos, exactly once, resuming where an earlier
 * run stopped. Only a transient failure (`Network`: no connection, server down or busy) is retried,
 * with WorkManager's backoff; a refusal (`EnrollmentRefused`, `NotEnrolled`, `Revoked`, `Refused`)
 * or any other error stops with its message in the status. When WorkManager stops the worker, the
 * coroutine's cancellation stops the sync.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = FieldVisit.open(applicationContext).use { store ->
        try {
            val summary = store.sync { done, total -> setProgressAsync(workDataOf(KEY_DONE to done, KEY_TOTAL to total)) }
            Result.success(workDataOf(KEY_STATUS to "ok", KEY_DONE to summary.visitsCompleted))
        } catch (e: FieldVisitException) {
            if (e.isTransient) {
                Result.retry()
            } else {
                Result.failure(workDataOf(KEY_STATUS to e.message, KEY_NEEDS_ENROLLMENT to e.needsEnrollment))
            }
        }
    }

    companion object {
        /** Output: "ok", or the failure's message (zh / en). */
        const val KEY_STATUS = "status"
        const val KEY_DONE = "done"
        const val KEY_TOTAL = "total"

        /** Output: the phone must enroll again with a new code before syncing. */
        const val KEY_NEEDS_ENROLLMENT = "needs_enrollment"

        /** Schedules the worker every hour on any network. */
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("fieldvisit-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
