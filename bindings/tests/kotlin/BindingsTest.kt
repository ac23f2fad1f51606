// The generated Kotlin bindings against the host library, on the JVM with JNA: a child visit from
// assignments to a sealed, chained envelope, the typed exceptions an app handles, then enrollment
// and sync against a real server (ServerSync.kt).
package org.fieldvisit.test

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.fieldvisit.test.Checks.check
import org.fieldvisit.test.Fixtures.HOUSEHOLD
import org.fieldvisit.test.Fixtures.T0
import uniffi.fieldvisit_core.Category
import uniffi.fieldvisit_core.DueStatus
import uniffi.fieldvisit_core.GeoPoint
import uniffi.fieldvisit_core.LevelOverride
import uniffi.fieldvisit_ffi.AnswerValue
import uniffi.fieldvisit_ffi.FieldVisitException
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.ItemKindRecord
import uniffi.fieldvisit_ffi.categoryCode
import uniffi.fieldvisit_ffi.categoryLabel
import uniffi.fieldvisit_ffi.sampleAnswers

fun main() {
    val key = ByteArray(32) { 0x42 }
    val path = Fixtures.tempStorePath()
    val store = FieldVisitStore.open(path, StaticKeys(key))
    var visit = ""
    val minute = 60_000L

    check("categories cross as enums with codes and labels") {
        assertEquals("left_behind_child", categoryCode(Category.LEFT_BEHIND_CHILD))
        assertEquals("留守儿童", categoryLabel(Category.LEFT_BEHIND_CHILD).zh)
    }

    check("assignments with households and audience keys apply") {
        store.applyAssignments(Fixtures.assignments())
        val entries = store.caseload("2026-05-20")
        val child = entries.single { it.householdId == HOUSEHOLD }
        assertEquals(Category.LEFT_BEHIND_CHILD, child.category)
        assertEquals(DueStatus.OVERDUE, child.status)
        assertEquals("2026-01-05", child.dueOn)
        assertEquals(135L, child.daysOverdue)
        val h = assertNotNull(store.household(HOUSEHOLD))
        assertEquals("3201**********1234", h.idNumberMasked)
        assertEquals(listOf("left_behind_child"), h.categoryCodes)
        assertEquals(listOf(Fixtures.STAFF_LI to "李明", Fixtures.STAFF_WANG to "王芳"), store.stationStaff().map { it.id to it.name })
    }

    check("assignments of an unknown version or bad JSON are refused without echoing values") {
        val e = assertFailsWith<FieldVisitException.InvalidInput> {
            store.applyAssignments(Fixtures.assignments().replaceFirst("\"version\": 1", "\"version\": 9"))
        }
        assertTrue("assignments" in e.message.orEmpty(), e.message)
        val bad = assertFailsWith<FieldVisitException.InvalidInput> { store.applyAssignments("{\"version\": \"王小明\"}") }
        assertTrue("王小明" !in bad.message.orEmpty(), bad.message)
    }

    check("the child template is served typed, and whole as JSON") {
        assertTrue(Regex("\"id\"\\s*:\\s*\"child-guardianship\"").containsMatchIn(store.templateJson("left_behind_child")))
        val typed = store.template("left_behind_child")
        assertEquals("child-guardianship", typed.id)
        val items = typed.sections.flatMap { it.items }
        val notified = items.single { it.id == "entrustment_notified" }
        assertEquals(ItemKindRecord.YesNo, notified.kind)
        assertTrue(items.any { it.kind is ItemKindRecord.Photo && (it.kind as ItemKindRecord.Photo).maxCount > 0 })
        assertTrue(items.filter { it.kind is ItemKindRecord.SingleChoice }.all { (it.kind as ItemKindRecord.SingleChoice).options.isNotEmpty() })
        assertTrue(items.any { it.conditional }, "some items are shown only under a condition")
    }

    check("a visit starts with a GPS fix carrying the mock flag") {
        val fix = GpsFixRecord(GeoPoint(31.9501, 118.8401), 12.0, T0 - 30_000, mock = false)
        visit = store.startVisit(HOUSEHOLD, "left_behind_child", fix, T0)
        assertEquals(listOf(visit), store.drafts().map { it.visitId })
    }

    check("a bad answer is a typed InvalidInput naming the item, and never echoes the value") {
        val unknown = assertFailsWith<FieldVisitException.InvalidInput> { store.answer(visit, "no_such_item", AnswerValue.Integer(1)) }
        assertReadable(unknown, "no_such_item")
        val wrongType = assertFailsWith<FieldVisitException.InvalidInput> {
            store.answer(visit, "entrustment_notified", AnswerValue.Text("王小明"))
        }
        assertReadable(wrongType, "entrustment_notified")
        assertTrue("王小明" !in wrongType.message.orEmpty(), wrongType.message)
        val badDate = assertFailsWith<FieldVisitException.InvalidInput> { store.answer(visit, "child_birth_date", AnswerValue.Date("2015-02-30")) }
        assertReadable(badDate, "child_birth_date")
        val age = assertFailsWith<FieldVisitException.InvalidInput> { store.answer(visit, "caregiver_age", AnswerValue.Decimal(Double.NaN)) }
        assertReadable(age, "caregiver_age")
        assertEquals(emptyList(), store.draft(visit).answers, "refused answers leave nothing behind")
    }

    check("an answer is cleared with null") {
        store.answer(visit, "child_seen", AnswerValue.Bool(true))
        assertEquals(listOf(AnswerValue.Bool(true)), store.draft(visit).answers.map { it.value })
        store.answer(visit, "child_seen", null)
        assertEquals(emptyList(), store.draft(visit).answers)
    }

    check("an unknown category code and a missing visit are typed errors") {
        assertFailsWith<FieldVisitException.InvalidInput> { store.startVisit(HOUSEHOLD, "pirates", null, T0) }
        assertFailsWith<FieldVisitException.NotFound> { store.answer("no-such-visit", "x", AnswerValue.Integer(1)) }
        assertFailsWith<FieldVisitException.InvalidInput> { store.startVisit(HOUSEHOLD, "dibao", null, T0) }
    }

    check("sealing an unanswered visit lists every problem") {
        val e = assertFailsWith<FieldVisitException.Incomplete> { store.seal(visit, T0 + minute) }
        assertReadable(e, "cannot be sealed yet")
        assertTrue(e.message.orEmpty().split("; ").size > 5, e.message)
    }

    check("the sample answers are accepted one by one") {
        for (a in sampleAnswers("child-guardianship")) store.answer(visit, a.path, a.value)
        store.setInvestigators(visit, listOf("李明", " "))
        store.setNotes(visit, "孩子状态良好")
        val draft = store.draft(visit)
        assertEquals(listOf("李明"), draft.investigators)
        assertTrue(draft.answers.any { it.path == "entrustment_notified" && it.value == AnswerValue.Bool(true) }, draft.answers.toString())
    }

    check("a draft's answers replay through answer() unchanged, so a form restores with the same call") {
        FieldVisitStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { 0x21 })).use { other ->
            other.applyAssignments(Fixtures.assignments())
            val first = other.startVisit(Fixtures.ECONOMIC, "tekun", null, T0)
            val sample = sampleAnswers("economic-verification")
            for (a in sample) other.answer(first, a.path, a.value)
            val stored = other.draft(first)
            assertTrue(stored.answers.any { it.value == AnswerValue.NoEntries }, "a group confirmed empty comes back as NoEntries")
            assertTrue(stored.answers.any { it.value is AnswerValue.Decimal }, stored.answers.toString())
            assertTrue(stored.answers.any { "[0]." in it.path }, "repeat entries come as group[n].item paths")
            assertTrue(stored.instances.isNotEmpty() && stored.instances.values.all { it > 0 }, stored.instances.toString())
            val copy = other.startVisit(Fixtures.ECONOMIC, "tekun", null, T0 + minute)
            for (a in stored.answers) other.answer(copy, a.path, a.value)
            val restored = other.draft(copy)
            assertEquals(stored.answers, restored.answers)
            assertEquals(stored.instances, restored.instances)
        }
    }

    check("a camera JPEG made with javax.imageio attaches to a photo item") {
        val ev = store.evaluate(visit)
        assertTrue("entrustment_letter" !in ev.hidden, ev.hidden.toString())
        val id = store.attachPhoto(visit, "entrustment_letter", Fixtures.jpeg(7), T0 + 5 * minute)
        assertEquals(listOf(id), store.draft(visit).photoIds)
        assertEquals(mapOf("entrustment_letter" to listOf(id)), store.draft(visit).photos)
        val extra = store.attachPhoto(visit, "entrustment_letter", Fixtures.jpeg(9), T0 + 6 * minute)
        store.removePhoto(visit, extra)
        assertEquals(listOf(id), store.draft(visit).photoIds)
        val notPhoto = assertFailsWith<FieldVisitException.InvalidInput> {
            store.attachPhoto(visit, "entrustment_letter", byteArrayOf(1, 2, 3), T0)
        }
        assertReadable(notPhoto, "photo")
    }

    check("evaluate gives levels and fired rules") {
        val risk = store.evaluate(visit).scores.single { it.score == "risk" }
        assertEquals("LOW", risk.level)
        assertTrue(risk.fired.isEmpty(), risk.fired.toString())
    }

    check("an override without a reason is refused, with one it is kept") {
        val e = assertFailsWith<FieldVisitException.InvalidInput> { store.overrideLevel(visit, "risk", LevelOverride("MEDIUM", " ")) }
        assertReadable(e, "risk")
        store.overrideLevel(visit, "risk", LevelOverride("MEDIUM", "祖母近期住院"))
        assertEquals("MEDIUM", store.draft(visit).overrides["risk"]?.level)
        store.overrideLevel(visit, "risk", null)
    }

    check("the police flag is recorded") {
        store.reportToPolice(visit, T0 + 10 * minute)
        assertEquals(T0 + 10 * minute, store.draft(visit).reportedToPoliceAtMs)
    }

    check("the child visit seals into the chain") {
        store.finish(visit, T0 + 30 * minute)
        val sealed = store.seal(visit, T0 + 31 * minute)
        assertEquals(visit, sealed.visitId)
        assertEquals(1L, sealed.seq)
        assertEquals(64, sealed.hashHex.length)
        assertEquals("LOW", sealed.level)
        assertEquals(1L, store.verifyChain())
        assertTrue(store.drafts().isEmpty())
        val child = store.caseload("2026-05-20").single { it.householdId == HOUSEHOLD }
        assertEquals(DueStatus.UPCOMING, child.status)
    }

    check("a sealed visit refuses changes with Sealed") {
        val e = assertFailsWith<FieldVisitException.Sealed> { store.setNotes(visit, "late edit") }
        assertReadable(e, visit)
        assertTrue(e.message.orEmpty().endsWith("visit $visit is sealed and cannot change"), e.message)
        assertFailsWith<FieldVisitException.Sealed> { store.seal(visit, T0 + 40 * minute) }
    }

    check("a bad time is a typed error") {
        assertFailsWith<FieldVisitException.InvalidInput> { store.finish(visit, Long.MAX_VALUE) }
        assertFailsWith<FieldVisitException.InvalidInput> { store.caseload("20.5.2026") }
    }

    store.close()

    check("a wrong key is WrongKey, and the store still opens with the right one") {
        assertFailsWith<FieldVisitException.WrongKey> { FieldVisitStore.open(path, StaticKeys(ByteArray(32) { 7 })) }
        FieldVisitStore.open(path, StaticKeys(key)).use { assertEquals(1L, it.verifyChain()) }
    }

    check("a locked keystore and a short key are KeyUnavailable") {
        val locked = assertFailsWith<FieldVisitException.KeyUnavailable> { FieldVisitStore.open(path, LockedKeys()) }
        assertReadable(locked, "locked")
        assertFailsWith<FieldVisitException.KeyUnavailable> { FieldVisitStore.open(path, StaticKeys(ByteArray(16))) }
    }

    ErrorVariants.run()
    ServerSync.run("FIELDVISIT_TEST_CODE_KOTLIN")

    Checks.finish()
}
