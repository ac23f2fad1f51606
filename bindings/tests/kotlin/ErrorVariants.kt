// Every error an app acts on, as the generated Kotlin raises it, each with its variant and a readable
// message: a used code, not enrolled, cancelled (by SyncCancel and by cancelling the coroutine),
// server down, server busy, revoked (with what the phone erased), wrong key, a malformed address
// and a key provider that throws.
// The server's refusals come from a stand-in HTTP server on loopback, so each case is exact.
package org.fieldvisit.test

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.fieldvisit.store.SuspendingStore
import org.fieldvisit.test.Checks.check
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.KeyProvider
import uniffi.fieldvisit_ffi.SyncCancel

/** A stand-in for the FieldVisit server on loopback: each path answers with a set status and body. */
class StandInServer : AutoCloseable {
    class Answer(val status: Int, val body: String, val headers: Map<String, String> = emptyMap())

    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    private val answers = ConcurrentHashMap<String, Answer>()
    private val counts = ConcurrentHashMap<String, AtomicInteger>()
    val url: String get() = "http://127.0.0.1:${server.address.port}"

    init {
        answer("/api/v1/devices/enroll", 201, """{"version": 1, "device_id": "dev-stand-in", "worker_id": "w-stand-in", "token": "fvd_stand_in"}""")
        server.createContext("/") { exchange ->
            val path = exchange.requestURI.path
            counts.getOrPut(path) { AtomicInteger() }.incrementAndGet()
            val a = answers[path] ?: Answer(404, error("not_found", "no such route"))
            a.headers.forEach { (k, v) -> exchange.responseHeaders.add(k, v) }
            exchange.responseHeaders.add("Content-Type", "application/json")
            val bytes = a.body.toByteArray()
            exchange.sendResponseHeaders(a.status, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
        server.executor = Executors.newCachedThreadPool { r -> Thread(r).apply { isDaemon = true } }
        server.start()
    }

    fun answer(path: String, status: Int, body: String, headers: Map<String, String> = emptyMap()) {
        answers[path] = Answer(status, body, headers)
    }

    /** Requests received on `path` so far. */
    fun requests(path: String): Int = counts[path]?.get() ?: 0

    override fun close() = server.stop(0)

    companion object {
        fun error(code: String, message: String) = """{"error": {"code": "$code", "message": "$message"}}"""
        const val ASSIGNMENTS = "/api/v1/assignments"
    }
}

/** A key provider whose keystore throws an exception it did not declare. */
class ThrowingKeys : KeyProvider {
    override fun masterKey(): ByteArray = throw IllegalStateException("keystore service died")
}

/**
 * The message is one readable line: Chinese with English beside it, no field dump (`name=value`),
 * no stack trace, and no prefix said twice.
 */
fun assertReadable(e: FieldVisitException, vararg mentions: String) {
    val m = assertNotNull(e.message, "${e::class.simpleName} has no message")
    assertTrue(m.isNotBlank(), "${e::class.simpleName}: blank message")
    assertTrue(" / " in m && m.any { it in '\u4e00'..'\u9fff' }, "not Chinese with English beside it: $m")
    assertFalse('\n' in m || "\tat " in m || "Exception" in m, "not one line without a stack trace: $m")
    assertFalse(Regex("""^\w+=""").containsMatchIn(m), "a field dump: $m")
    val english = m.substringAfter(" / ")
    val head = english.split(' ').take(3).joinToString(" ")
    assertEquals(1, Regex(Regex.escape(head)).findAll(m).count(), "\"$head\" repeated in: $m")
    for (word in mentions) assertTrue(word in m, "\"$word\" not in: $m")
}

object ErrorVariants {
    private fun phone(seed: Int) = FieldVisitStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { seed.toByte() }))

    fun run() {
        check("errors: a used enrollment code is EnrollmentRefused") {
            StandInServer().use { server ->
                server.answer("/api/v1/devices/enroll", 403, StandInServer.error("enrollment_refused", "enrollment code unknown, used or expired"))
                phone(31).use { p ->
                    val e = assertFailsWith<FieldVisitException.EnrollmentRefused> { p.enroll(server.url, "USED-CODE", "jvm") }
                    assertReadable(e, "enrollment code")
                    assertNull(p.serverUrl(), "a refused enrollment stores no server")
                }
            }
        }

        check("errors: a sync before enrolling is NotEnrolled, without any request") {
            phone(32).use { p ->
                val e = assertFailsWith<FieldVisitException.NotEnrolled> { p.sync(null, null) }
                assertReadable(e, "not enrolled")
            }
        }

        check("errors: a token the server does not know (401) is NotEnrolled") {
            StandInServer().use { server ->
                server.answer(StandInServer.ASSIGNMENTS, 401, StandInServer.error("unauthenticated", "missing or invalid credentials"))
                phone(33).use { p ->
                    p.enroll(server.url, "CODE", "jvm")
                    assertEquals(server.url, p.serverUrl())
                    val e = assertFailsWith<FieldVisitException.NotEnrolled> { p.sync(null, null) }
                    assertReadable(e, "not enrolled")
                    assertEquals(1, server.requests(StandInServer.ASSIGNMENTS), "a refusal is not retried")
                }
            }
        }

        check("errors: a revoked device is Revoked, and is not retried") {
            StandInServer().use { server ->
                server.answer(StandInServer.ASSIGNMENTS, 403, StandInServer.error("device_revoked", "this device has been revoked"))
                phone(34).use { p ->
                    p.enroll(server.url, "CODE", "jvm")
                    assertNull(p.revocation(), "not revoked yet")
                    val listener = RecordingListener()
                    val e = assertFailsWith<FieldVisitException.Revoked> { p.sync(listener, null) }
                    assertReadable(e, "revoked")
                    assertEquals(0, listener.finished)
                    assertEquals(e.message, listener.error, "the listener hears the same message")
                    assertEquals(1, server.requests(StandInServer.ASSIGNMENTS))
                    val r = assertNotNull(p.revocation(), "the phone records what it erased")
                    assertEquals(0, r.draftsErased)
                    assertEquals(0, r.sealedKept)
                    assertTrue(r.erasedAtMs > 0)
                    assertFailsWith<FieldVisitException.Revoked> { p.sync(null, null) }
                    assertEquals(1, server.requests(StandInServer.ASSIGNMENTS), "a revoked phone asks nothing more")
                }
            }
        }

        check("errors: another refusal (400) is Refused with the server's code") {
            StandInServer().use { server ->
                server.answer(StandInServer.ASSIGNMENTS, 400, StandInServer.error("unsupported_version", "wire version 1 is not served"))
                phone(35).use { p ->
                    p.enroll(server.url, "CODE", "jvm")
                    val e = assertFailsWith<FieldVisitException.Refused> { p.sync(null, null) }
                    assertReadable(e, "unsupported_version")
                }
            }
        }

        check("errors: a server that is down is Network, for enrollment and for sync") {
            val closedPort = ServerSocket(0).use { it.localPort }
            phone(36).use { p ->
                val e = assertFailsWith<FieldVisitException.Network> { p.enroll("http://127.0.0.1:$closedPort", "CODE", "jvm") }
                assertReadable(e, "try again later")
            }
            val server = StandInServer()
            phone(37).use { p ->
                p.enroll(server.url, "CODE", "jvm")
                server.close()
                val e = assertFailsWith<FieldVisitException.Network> { p.sync(null, null) }
                assertReadable(e, "try again later")
            }
        }

        check("errors: a busy server (503) is Network after the run's own retries") {
            StandInServer().use { server ->
                server.answer(StandInServer.ASSIGNMENTS, 503, StandInServer.error("unavailable", "busy"))
                phone(38).use { p ->
                    p.enroll(server.url, "CODE", "jvm")
                    val e = assertFailsWith<FieldVisitException.Network> { p.sync(null, null) }
                    assertReadable(e, "503")
                    assertTrue(server.requests(StandInServer.ASSIGNMENTS) > 1, "a transient failure is retried within the run")
                }
            }
        }

        check("errors: a sync cancelled through SyncCancel is Cancelled") {
            StandInServer().use { server ->
                phone(39).use { p ->
                    p.enroll(server.url, "CODE", "jvm")
                    val cancel = SyncCancel()
                    cancel.cancel()
                    val e = assertFailsWith<FieldVisitException.Cancelled> { p.sync(null, cancel) }
                    assertReadable(e, "cancelled")
                    assertEquals(0, server.requests(StandInServer.ASSIGNMENTS))
                }
            }
        }

        check("errors: cancelling the coroutine stops the sync while it waits to retry") {
            StandInServer().use { server ->
                // Without the cancellation reaching the core, the run would wait 30 s before retrying.
                server.answer(StandInServer.ASSIGNMENTS, 503, StandInServer.error("unavailable", "busy"), mapOf("Retry-After" to "30"))
                SuspendingStore(phone(40)).use { p ->
                    runBlocking {
                        p.enroll(server.url, "CODE", "jvm")
                        var ended: Throwable? = null
                        val job = launch {
                            try {
                                p.sync()
                            } catch (e: Throwable) {
                                ended = e
                                throw e
                            }
                        }
                        val deadline = System.nanoTime() + 10_000_000_000L
                        while (server.requests(StandInServer.ASSIGNMENTS) == 0 && System.nanoTime() < deadline) delay(10)
                        assertEquals(1, server.requests(StandInServer.ASSIGNMENTS))
                        val started = System.nanoTime()
                        job.cancelAndJoin()
                        val waitedMs = (System.nanoTime() - started) / 1_000_000
                        assertTrue(job.isCancelled)
                        val e = ended
                        assertTrue(e is CancellationException, "the coroutine ends cancelled, not failed: $e")
                        assertTrue(waitedMs < 5_000, "the sync ran on for $waitedMs ms after the coroutine was cancelled")
                        assertEquals(1, server.requests(StandInServer.ASSIGNMENTS), "no request after the cancel")
                    }
                }
            }
        }

        check("errors: a malformed server address is InvalidInput, not Network") {
            phone(41).use { p ->
                for (bad in listOf("fv.example.gov.cn", "ftp://fv.example.gov.cn", "http://")) {
                    val e = assertFailsWith<FieldVisitException.InvalidInput>(bad) { p.enroll(bad, "CODE", "jvm") }
                    assertReadable(e, "base_url")
                }
            }
        }

        check("errors: a wrong master key is WrongKey") {
            val path = Fixtures.tempStorePath()
            FieldVisitStore.open(path, StaticKeys(ByteArray(32) { 1 })).close()
            val e = assertFailsWith<FieldVisitException.WrongKey> { FieldVisitStore.open(path, StaticKeys(ByteArray(32) { 2 })) }
            assertReadable(e, "master key")
        }

        check("errors: a key provider's declared and undeclared failures are KeyUnavailable without a stack trace") {
            val path = Fixtures.tempStorePath()
            val locked = assertFailsWith<FieldVisitException.KeyUnavailable> { FieldVisitStore.open(path, LockedKeys()) }
            assertReadable(locked, "keystore locked (test)")
            val thrown = assertFailsWith<FieldVisitException.KeyUnavailable> { FieldVisitStore.open(path, ThrowingKeys()) }
            assertReadable(thrown, "keystore service died")
            assertFalse("ThrowingKeys" in thrown.message.orEmpty(), thrown.message)
        }
    }
}
