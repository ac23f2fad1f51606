// The Android library's coroutine layer (SuspendingStore) against a real fieldvisit-server that
// scripts/test-bindings.sh seeds and starts, in the order of android/API.md: open, enroll with a
// fresh code, sync, read the caseload, record and seal a child visit with a photo, sync it; a second
// sync finds nothing left to send.
package org.fieldvisit.test

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.fieldvisit.store.SuspendingStore
import org.fieldvisit.test.Checks.check
import org.fieldvisit.test.Checks.checkSuspending
import org.fieldvisit.test.Fixtures.T0
import uniffi.fieldvisit_core.Category
import uniffi.fieldvisit_core.GeoPoint
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.SyncListener
import uniffi.fieldvisit_ffi.sampleAnswers

/** Records what a sync run reported through the foreign listener. */
class RecordingListener : SyncListener {
    val progress = mutableListOf<Pair<Int, Int>>()
    var finished: Int? = null
    var error: String? = null

    override fun onProgress(done: Int, total: Int) {
        progress += done to total
    }

    override fun onFinished(uploaded: Int, error: String?) {
        finished = uploaded
        this.error = error
    }
}

object ServerSync {
    /** Server URL and enrollment code come from FIELDVISIT_TEST_SERVER and [codeVar]. */
    fun run(codeVar: String) {
        val url = System.getenv("FIELDVISIT_TEST_SERVER")
        val code = System.getenv(codeVar)
        check("a real server and an enrollment code are given (scripts/test-bindings.sh starts one)") {
            assertNotNull(url, "FIELDVISIT_TEST_SERVER is not set")
            assertNotNull(code, "$codeVar is not set")
        }
        if (url == null || code == null) return
        val minute = 60_000L
        val store = runBlocking { SuspendingStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { 0x17 })) }
        var household = ""
        var visit = ""

        check("server: a sync before enrolling is refused as not enrolled") {
            val e = assertFailsWith<FieldVisitException.NotEnrolled> { runBlocking { store.sync() } }
            assertReadable(e, "not enrolled")
        }

        checkSuspending("server: enrolls through the FFI and pulls its caseload, templates and keys") {
            store.enroll(url, code, "kotlin test phone")
            assertEquals(url, store.serverUrl())
            val first = store.sync()
            assertEquals(1, first.householdsReceived)
            assertEquals(0, first.visitsCompleted)
            val entry = store.caseload("2026-05-20").single()
            assertEquals(Category.LEFT_BEHIND_CHILD, entry.category)
            household = entry.householdId
        }

        check("server: a used enrollment code is refused") {
            FieldVisitStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { 0x18 })).use { other ->
                val e = assertFailsWith<FieldVisitException.EnrollmentRefused> { other.enroll(url, code, "second phone") }
                assertReadable(e, "enrollment code")
            }
        }

        checkSuspending("server: a child visit with a photo seals against the server's audience keys") {
            val fix = GpsFixRecord(GeoPoint(31.9502, 118.8401), 10.0, T0 - 15_000, mock = false)
            visit = store.startVisit(household, "left_behind_child", fix, T0)
            for (a in sampleAnswers("child-guardianship")) store.answer(visit, a.path, a.value)
            store.setInvestigators(visit, listOf("李明", "王芳"))
            store.attachPhoto(visit, "entrustment_letter", Fixtures.jpeg(11), T0 + 5 * minute)
            store.finish(visit, T0 + 30 * minute)
            assertEquals(1L, store.seal(visit, T0 + 31 * minute).seq)
            assertEquals(1, store.pendingUploads())
        }

        checkSuspending("server: sync uploads the visit and its photo; the server's receipt empties the outbox") {
            val progress = mutableListOf<Pair<Int, Int>>()
            val summary = store.sync { done, total -> progress += done to total }
            assertEquals(1, summary.visitsCompleted)
            assertEquals(1, summary.photosCompleted)
            assertTrue(summary.refused.isEmpty(), summary.refused.toString())
            assertTrue(summary.bytesSent > 1_000L, summary.toString())
            assertEquals(0, store.pendingUploads())
            assertEquals(1 to 1, progress.last())
        }

        checkSuspending("server: a second sync sends nothing; the chain still verifies") {
            val again = store.sync()
            assertEquals(0, again.visitsCompleted)
            assertEquals(0L, again.bytesSent)
            assertEquals(1L, store.verifyChain())
            assertTrue(store.returnedTasks().isEmpty())
            assertNull(store.revocation(), "the phone has not been revoked")
        }
        store.close()
    }
}
