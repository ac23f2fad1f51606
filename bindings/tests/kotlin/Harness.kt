package org.fieldvisit.test

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.nio.file.Files
import java.security.KeyPairGenerator
import java.util.Base64
import javax.imageio.ImageIO
import kotlinx.coroutines.runBlocking
import uniffi.fieldvisit_ffi.KeyProvider
import uniffi.fieldvisit_ffi.KeyProviderException

/** Counts checks and prints `N passed, N failed` last; the process exits non-zero on failure. */
object Checks {
    var passed = 0
    var failed = 0

    fun check(name: String, body: () -> Unit) {
        try {
            body()
            passed++
            println("ok   $name")
        } catch (t: Throwable) {
            failed++
            println("FAIL $name: $t")
            t.stackTrace.take(6).forEach { println("       at $it") }
        }
    }

    /** [check] for a body that calls `suspend` functions, run to the end on this thread. */
    fun checkSuspending(name: String, body: suspend () -> Unit) = check(name) { runBlocking { body() } }

    fun finish(): Nothing {
        println("$passed passed, $failed failed")
        kotlin.system.exitProcess(if (failed == 0) 0 else 1)
    }
}

/** A key provider holding a fixed key, as a test stand-in for the Android Keystore. */
class StaticKeys(private val key: ByteArray) : KeyProvider {
    override fun masterKey(): ByteArray = key.copyOf()
}

/** A key provider whose keystore is locked. */
class LockedKeys : KeyProvider {
    override fun masterKey(): ByteArray = throw KeyProviderException.Unavailable("keystore locked (test)")
}

object Fixtures {
    const val HOUSEHOLD = "hh-child-1"
    const val ECONOMIC = "hh-econ-1"
    const val ELDERLY = "hh-elder-1"

    /** 2026-05-20T02:00:00Z, inside the built-in samples' validity window. */
    const val T0 = 1_779_242_400_000L

    fun tempStorePath(): String = Files.createTempDirectory("fieldvisit-test").resolve("phone.db").toString()

    /** A real X25519 public key, raw 32 bytes in standard base64, as the server sends it. */
    fun audienceKey(): String {
        val spki = KeyPairGenerator.getInstance("X25519").generateKeyPair().public.encoded
        return Base64.getEncoder().encodeToString(spki.copyOfRange(spki.size - 32, spki.size))
    }

    private fun household(id: String, name: String, category: String) = """
        {"id": "$id", "village_id": "v-001", "head_name": "$name", "id_number": "320115195001011234",
         "address": "江宁区某村3组", "categories": [{"category": "$category", "since": "2026-01-05"}],
         "location": {"lat": 31.95, "lon": 118.84},
         "members": [{"name": "$name", "relation": "户主", "birth_date": "1950-01-01"}]}
    """.trimIndent()

    /** Staff ids of the station's list in [assignments]. */
    const val STAFF_LI = "s-li"
    const val STAFF_WANG = "s-wang"

    /** Assignments with three households, the county schedule, both audiences' public keys and the station's staff. */
    fun assignments(): String = """
        {"version": 1, "worker_id": "w-001", "since": "t1",
         "households": [${household(HOUSEHOLD, "王小明", "left_behind_child")},
                        ${household(ECONOMIC, "李大山", "tekun")},
                        ${household(ELDERLY, "张奶奶", "elderly_alone")}],
         "removed_households": [], "templates": [],
         "schedule": {"rules": [
            {"category": "left_behind_child", "default": {"months": 1}, "by_level": {"HIGH": {"days": 7}, "LOW": {"months": 3}}},
            {"category": "tekun", "default": {"months": 1}},
            {"category": "elderly_alone", "default": {"months": 1}}]},
         "evidence_thresholds": {"max_distance_m": 200.0, "max_accuracy_m": 100.0, "max_fix_age_s": 120, "min_duration_s": 120},
         "audience_keys": [{"audience": "child-welfare", "public_key": "${audienceKey()}"},
                           {"audience": "civil-affairs", "public_key": "${audienceKey()}"}],
         "returned": [],
         "staff": [{"id": "$STAFF_LI", "name": "李明"}, {"id": "$STAFF_WANG", "name": "王芳"}]}
    """.trimIndent()

    /** A real JPEG made with javax.imageio, as a phone camera would give. */
    fun jpeg(seed: Int): ByteArray {
        val img = BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB)
        for (y in 0 until 240) for (x in 0 until 320) {
            img.setRGB(x, y, ((x * 3 + seed) and 0xff shl 16) or ((y * 2) and 0xff shl 8) or (seed and 0xff))
        }
        val out = ByteArrayOutputStream()
        check(ImageIO.write(img, "jpg", out)) { "no JPEG writer" }
        return out.toByteArray()
    }
}
