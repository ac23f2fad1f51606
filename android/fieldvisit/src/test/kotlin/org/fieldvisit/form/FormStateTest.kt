// Pure-Kotlin parts of the Android module on the JVM: the form state on all three built-in
// templates and the view models, driven against the real core through the generated bindings.
package org.fieldvisit.form

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.fieldvisit.test.Checks
import org.fieldvisit.store.SuspendingStore
import org.fieldvisit.test.Checks.check
import org.fieldvisit.test.Checks.checkSuspending
import org.fieldvisit.test.Fixtures
import org.fieldvisit.test.Fixtures.T0
import org.fieldvisit.test.StaticKeys
import org.fieldvisit.viewmodel.CaseloadViewModel
import org.fieldvisit.viewmodel.SealOutcome
import org.fieldvisit.viewmodel.SyncViewModel
import org.fieldvisit.viewmodel.VisitViewModel
import uniffi.fieldvisit_core.DueStatus
import uniffi.fieldvisit_core.GeoPoint
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.sampleAnswersJson

private data class Case(val household: String, val category: String, val templateId: String, val investigators: List<String>)

private val CASES = listOf(
    Case(Fixtures.HOUSEHOLD, "left_behind_child", "child-guardianship", listOf("李明")),
    Case(Fixtures.ECONOMIC, "tekun", "economic-verification", listOf("李明", "王芳")),
    Case(Fixtures.ELDERLY, "elderly_alone", "elderly-welfare", listOf("李明")),
)

fun main() {
    check("json reads and writes what the core exchanges") {
        val text = """{"a":[1,2.5,-3e2],"b":{"zh":"是\"引号\"\n","en":null},"c":true}"""
        val j = Json.parse(text) as Json.Obj
        assertEquals(text, j.encode())
        assertEquals(Json.Bool(true), j["c"])
        assertEquals(-300.0, ((j["a"] as Json.Arr).items[2] as Json.Num).asDouble)
        assertEquals("\u00e9", (Json.parse("\"\\u00e9\"") as Json.Str).value)
        for (bad in listOf("{", "[1,]", "{\"a\" 1}", "tru", "1 2")) {
            assertTrue(runCatching { Json.parse(bad) }.isFailure, bad)
        }
    }

    val store = FieldVisitStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { 3 }))
    store.applyAssignments(Fixtures.assignments())
    val minute = 60_000L

    for (case in CASES) {
        check("${case.templateId}: the typed template carries every item with its kind") {
            val t = FormTemplate.of(store.template(case.category))
            assertEquals(case.templateId, t.id)
            assertTrue(t.sections.isNotEmpty())
            val all = t.items + t.items.flatMap { it.items }
            val ids = Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").findAll(store.templateJson(case.category)).map { it.groupValues[1] }.toSet()
            assertTrue(all.all { it.id in ids }, "every typed item is in the template's JSON")
            assertTrue(all.filter { it.type == ItemType.REPEAT }.all { it.items.isNotEmpty() })
            assertTrue(all.all { it.label.zh.isNotEmpty() })
            assertTrue(all.filter { it.type == ItemType.SINGLE_CHOICE }.all { it.options.isNotEmpty() })
        }

        check("${case.templateId}: form state follows the core from empty to sealed") {
            val fix = GpsFixRecord(GeoPoint(31.9501, 118.8401), 10.0, T0 - 10_000, mock = false)
            val vm = VisitViewModel.start(store, case.household, case.category, fix, T0)
            val form = vm.form
            val initiallyMissing = form.missingRequired()
            assertTrue(initiallyMissing.isNotEmpty())
            assertTrue(form.visibleSections().flatMap { it.items }.all { it.id !in form.hidden })

            val sample = Json.parse(assertNotNull(sampleAnswersJson(case.templateId))) as Json.Obj
            for ((path, value) in sample.fields) assertTrue(vm.answer(path, value), "$path: ${form.error(path)}")
            assertTrue(form.errorPaths.isEmpty())
            vm.setInvestigators(case.investigators)

            // What the form still marks must be exactly what the core refuses to seal.
            val missing = form.missingRequired()
            assertTrue(missing.all { form.template.item(it)?.type == ItemType.PHOTO }, missing.toString())
            if (missing.isNotEmpty()) {
                val refused = vm.finishAndSeal(T0 + 30 * minute)
                assertTrue(refused is SealOutcome.Incomplete, refused.toString())
                for (item in missing) assertTrue(item in refused.message, "$item in ${refused.message}")
            }
            for (item in missing) {
                val need = maxOf(form.template.item(item)!!.minCount, 1)
                repeat(need) { n -> assertTrue(vm.attachPhoto(item, Fixtures.jpeg(n + 1), T0 + (5 + n) * minute)) }
            }
            assertEquals(emptyList(), form.missingRequired())
            val (done, visible) = form.progress()
            assertTrue(done in 1..visible)

            val resumed = VisitViewModel.resume(store, vm.visitId)
            assertEquals(form.missingRequired(), resumed.form.missingRequired())
            assertEquals(sample.fields.keys.filter { form.answer(it) != null }.toSet(),
                sample.fields.keys.filter { resumed.form.answer(it) != null }.toSet())
            for (item in missing) assertEquals(form.photos(item).size, resumed.form.photos(item).size)

            val sealed = vm.finishAndSeal(T0 + 30 * minute)
            assertTrue(sealed is SealOutcome.Sealed, sealed.toString())
            assertEquals(vm.levels[when (case.templateId) {
                "child-guardianship" -> "risk"; "elderly-welfare" -> "tier"; else -> "recheck"
            }], sealed.record.level)
            val (firstPath, firstValue) = sample.fields.entries.first().toPair()
            assertFalse(vm.answer(firstPath, firstValue))
            assertTrue("sealed" in form.error(firstPath).orEmpty(), form.error(firstPath))
        }
    }

    check("a refused answer is kept on its item until a good one replaces it") {
        val vm = VisitViewModel.start(store, Fixtures.ELDERLY, "elderly_alone", null, T0 + 60 * minute)
        val integer = vm.form.template.items.first { it.type == ItemType.INTEGER && !it.conditional }
        assertTrue(vm.form.isVisible(integer))
        assertFalse(vm.answer(integer.id, vm.form.input(integer, "many")))
        assertNotNull(vm.form.error(integer.id))
        assertTrue(vm.answer(integer.id, vm.form.input(integer, integer.min?.toLong()?.toString() ?: "1")))
        assertNull(vm.form.error(integer.id))
        assertTrue(vm.answer(integer.id, vm.form.input(integer, "  ")))
        assertNull(vm.form.answer(integer.id))
    }

    check("repeat groups: add entries, answer inside them, remove one; the core and a resumed form agree") {
        val vm = VisitViewModel.start(store, Fixtures.ECONOMIC, "tekun", null, T0 + 90 * minute)
        val form = vm.form
        val members = assertNotNull(form.template.item("members"))
        fun child(id: String) = members.items.single { it.id == id }
        fun storedNames(): List<String?> {
            val draft = store.draft(vm.visitId)
            val byPath = draft.answers.associate { it.path to it.valueJson }
            return List(draft.instances["members"] ?: 0) { n ->
                byPath["members[$n].name"]?.let { (Json.parse(it) as? Json.Str)?.value }
            }
        }

        assertEquals(0, form.instances("members"))
        assertTrue("members" in form.missingRequired())
        assertEquals(0, vm.addInstance("members"))
        assertTrue(form.isNewInstance("members", 0))
        assertFalse(form.canAddInstance("members"), "only one entry may wait for its first answer")
        assertNull(vm.addInstance("members"))
        assertTrue("members[0].name" in form.missingRequired())
        assertEquals(emptyList(), storedNames())

        assertTrue(vm.answer("members[0].name", Json.Str("张三")))
        assertFalse(form.isNewInstance("members", 0))
        assertEquals(listOf<String?>("张三"), storedNames())
        assertEquals(1, vm.addInstance("members"))
        assertTrue(vm.answer("members[1].name", Json.Str("李四")))
        assertTrue(vm.answer("members[1].disability_type", Json.Str("none")))
        // The core hides the grade in this entry only.
        assertFalse(form.isVisible("members", 1, child("disability_grade")))
        assertTrue(form.isVisible("members", 1, child("relation")))
        assertTrue("members[1].disability_grade" !in form.missingRequired())
        assertTrue("members[1].relation" in form.missingRequired())

        // A refused answer stays on its entry's item, and moves with the entry.
        assertFalse(vm.answer("members[1].birth_date", Json.Str("2020-13-01")))
        assertNotNull(form.error("members[1].birth_date"))
        assertEquals(2, vm.addInstance("members"))
        assertTrue(vm.removeInstance("members", 2), "a new entry goes without the core")
        assertEquals(2, form.instances("members"))
        assertFalse(vm.removeInstance("members", 7))

        assertTrue(vm.removeInstance("members", 0))
        assertEquals(1, form.instances("members"))
        assertEquals(Json.Str("李四"), form.answer("members[0].name"))
        assertNotNull(form.error("members[0].birth_date"))
        assertNull(form.error("members[1].birth_date"))
        assertEquals(listOf<String?>("李四"), storedNames())
        assertFalse(form.isVisible("members", 0, child("disability_grade")))

        val resumed = VisitViewModel.resume(store, vm.visitId)
        assertEquals(1, resumed.form.instances("members"))
        assertEquals(Json.Str("李四"), resumed.form.answer("members[0].name"))
        assertEquals(Json.Str("none"), resumed.form.answer("members[0].disability_type"))
        assertFalse(resumed.form.isNewInstance("members", 0))
        assertTrue(resumed.form.canAddInstance("members"))

        assertTrue(vm.removeInstance("members", 0))
        assertEquals(0, form.instances("members"))
        assertEquals(emptyList(), storedNames())
        assertTrue("members" in form.missingRequired())
    }

    check("input turns what was typed into answer JSON") {
        val t = FormTemplate.of(store.template("tekun"))
        val f = FormState(t)
        fun first(type: ItemType) = t.items.first { it.type == type }
        assertEquals(Json.Bool(true), f.input(first(ItemType.YES_NO), "是"))
        assertEquals(Json.Num("12"), f.input(first(ItemType.INTEGER), " 12 "))
        assertEquals(Json.Arr(listOf(Json.Str("a"), Json.Str("b"))), f.input(first(ItemType.MULTI_CHOICE), "a, b"))
        assertNull(f.input(first(ItemType.TEXT), "   "))
    }

    check("caseload view model lists households with names and status") {
        val vm = CaseloadViewModel(store)
        var changes = 0
        vm.onChange = { changes++ }
        vm.refresh("2026-05-20")
        assertNull(vm.error)
        assertEquals(1, changes)
        assertEquals(3, vm.rows.size)
        assertEquals("王小明", vm.rows.single { it.householdId == Fixtures.HOUSEHOLD }.headName)
        assertTrue(vm.rows.all { it.status == DueStatus.UPCOMING }, vm.rows.toString())
        vm.refresh("not a date")
        assertNotNull(vm.error)
    }

    checkSuspending("sync view model: shows drafts and queue; a store not enrolled fails plainly, touching nothing") {
        val vm = SyncViewModel(SuspendingStore(store))
        var changes = 0
        vm.onChange = { changes++ }
        val before = vm.state()
        assertEquals(2, before.pendingDrafts, "the elderly and economic drafts left by the checks above")
        assertFalse(before.running)
        assertNull(vm.syncNow())
        val after = vm.state()
        assertTrue(after.failed && !after.running, after.toString())
        assertTrue(after.needsEnrollment && !after.retryable, after.toString())
        assertTrue(after.message.startsWith("同步失败 / sync failed: 本机尚未注册"), after.message)
        assertTrue(changes >= 2)
    }

    checkSuspending("sync view model enrolls and syncs with the real server") {
        val server = System.getenv("FIELDVISIT_TEST_SERVER")
        val code = System.getenv("FIELDVISIT_TEST_CODE_ANDROID")
        assertNotNull(server, "FIELDVISIT_TEST_SERVER is not set (scripts/test-bindings.sh sets it)")
        assertNotNull(code, "FIELDVISIT_TEST_CODE_ANDROID is not set (scripts/test-bindings.sh sets it)")
        SuspendingStore.open(Fixtures.tempStorePath(), StaticKeys(ByteArray(32) { 5 })).use { phone ->
            val vm = SyncViewModel(phone)
            assertFalse(vm.enroll(server, "not-a-code", "jvm"))
            val refused = vm.state()
            assertTrue(refused.failed && refused.needsEnrollment && !refused.retryable, refused.toString())
            assertTrue(vm.enroll(server, code, "jvm"), vm.state().message)
            var progressSeen = false
            vm.onChange = { if (vm.running) progressSeen = true }
            val summary = assertNotNull(vm.syncNow(), vm.state().message)
            assertEquals(1, summary.householdsReceived)
            val s = vm.state()
            assertFalse(s.failed, s.message)
            assertEquals(0, s.pendingUploads)
            assertTrue(s.message.startsWith("已同步 / synced"), s.message)
            assertTrue(progressSeen)
        }
    }

    store.close()
    Checks.finish()
}
