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
import uniffi.fieldvisit_core.Investigator
import uniffi.fieldvisit_core.StaffMember
import uniffi.fieldvisit_ffi.AnswerValue
import uniffi.fieldvisit_ffi.FieldVisitStore
import uniffi.fieldvisit_ffi.GpsFixRecord
import uniffi.fieldvisit_ffi.sampleAnswers

private data class Case(val household: String, val category: String, val templateId: String, val investigators: List<String>)

private val CASES = listOf(
    Case(Fixtures.HOUSEHOLD, "left_behind_child", "child-guardianship", listOf("李明")),
    Case(Fixtures.ECONOMIC, "tekun", "economic-verification", listOf("李明", "王芳")),
    Case(Fixtures.ELDERLY, "elderly_alone", "elderly-welfare", listOf("李明")),
)

fun main() {
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

            val sample = sampleAnswers(case.templateId)
            for (a in sample) assertTrue(vm.answer(a.path, a.value), "${a.path}: ${form.error(a.path)}")
            for (a in sample) assertEquals(a.value, form.answer(a.path), a.path)
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
            val stored = store.draft(vm.visitId).answers
            assertEquals(sample.map { it.path }.toSet(), stored.map { it.path }.toSet())
            for (a in stored) assertEquals(a.value, resumed.form.answer(a.path), a.path)
            for (item in missing) assertEquals(form.photos(item).size, resumed.form.photos(item).size)

            val sealed = vm.finishAndSeal(T0 + 30 * minute)
            assertTrue(sealed is SealOutcome.Sealed, sealed.toString())
            assertEquals(vm.levels[when (case.templateId) {
                "child-guardianship" -> "risk"; "elderly-welfare" -> "tier"; else -> "recheck"
            }], sealed.record.level)
            val first = sample.first()
            assertFalse(vm.answer(first.path, first.value))
            assertTrue("sealed" in form.error(first.path).orEmpty(), form.error(first.path))
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
            val byPath = draft.answers.associate { it.path to it.value }
            return List(draft.instances["members"] ?: 0) { n -> (byPath["members[$n].name"] as? AnswerValue.Text)?.value }
        }

        assertEquals(0, form.instances("members"))
        assertTrue("members" in form.missingRequired())
        assertEquals(0, vm.addInstance("members"))
        assertTrue(form.isNewInstance("members", 0))
        assertFalse(form.canAddInstance("members"), "only one entry may wait for its first answer")
        assertNull(vm.addInstance("members"))
        assertTrue("members[0].name" in form.missingRequired())
        assertEquals(emptyList(), storedNames())

        assertTrue(vm.answer("members[0].name", AnswerValue.Text("张三")))
        assertFalse(form.isNewInstance("members", 0))
        assertEquals(listOf<String?>("张三"), storedNames())
        assertEquals(1, vm.addInstance("members"))
        assertTrue(vm.answer("members[1].name", AnswerValue.Text("李四")))
        assertTrue(vm.answer("members[1].disability_type", AnswerValue.Choice("none")))
        // The core hides the grade in this entry only.
        assertFalse(form.isVisible("members", 1, child("disability_grade")))
        assertTrue(form.isVisible("members", 1, child("relation")))
        assertTrue("members[1].disability_grade" !in form.missingRequired())
        assertTrue("members[1].relation" in form.missingRequired())

        // A refused answer stays on its entry's item, and moves with the entry.
        assertFalse(vm.answer("members[1].birth_date", AnswerValue.Date("2020-13-01")))
        assertNotNull(form.error("members[1].birth_date"))
        assertEquals(2, vm.addInstance("members"))
        assertTrue(vm.removeInstance("members", 2), "a new entry goes without the core")
        assertEquals(2, form.instances("members"))
        assertFalse(vm.removeInstance("members", 7))

        assertTrue(vm.removeInstance("members", 0))
        assertEquals(1, form.instances("members"))
        assertEquals(AnswerValue.Text("李四"), form.answer("members[0].name"))
        assertNotNull(form.error("members[0].birth_date"))
        assertNull(form.error("members[1].birth_date"))
        assertEquals(listOf<String?>("李四"), storedNames())
        assertFalse(form.isVisible("members", 0, child("disability_grade")))

        val resumed = VisitViewModel.resume(store, vm.visitId)
        assertEquals(1, resumed.form.instances("members"))
        assertEquals(AnswerValue.Text("李四"), resumed.form.answer("members[0].name"))
        assertEquals(AnswerValue.Choice("none"), resumed.form.answer("members[0].disability_type"))
        assertFalse(resumed.form.isNewInstance("members", 0))
        assertTrue(resumed.form.canAddInstance("members"))

        assertTrue(vm.removeInstance("members", 0))
        assertEquals(0, form.instances("members"))
        assertEquals(emptyList(), storedNames())
        assertTrue("members" in form.missingRequired())
    }

    check("input turns what was typed into typed answers, and reads them back") {
        val t = FormTemplate.of(store.template("tekun"))
        val f = FormState(t)
        fun first(type: ItemType) = t.items.first { it.type == type }
        assertEquals(AnswerValue.Bool(true), f.input(first(ItemType.YES_NO), "是"))
        assertEquals(AnswerValue.Integer(12), f.input(first(ItemType.INTEGER), " 12 "))
        assertEquals(AnswerValue.Decimal(12.5), f.input(first(ItemType.INTEGER), "12.5"), "the core refuses it, naming the item")
        assertEquals(AnswerValue.Decimal(45.5), f.input(first(ItemType.DECIMAL), "45.5"))
        assertEquals(AnswerValue.Text("many"), f.input(first(ItemType.DECIMAL), "many"))
        assertEquals(AnswerValue.Choices(listOf("a", "b")), f.input(first(ItemType.MULTI_CHOICE), "a, b"))
        assertEquals(AnswerValue.Signature("李明", null), f.input(first(ItemType.SIGNATURE), " 李明 "))
        assertEquals(
            AnswerValue.Investigators(listOf(Investigator(null, "李明"), Investigator(null, "王芳"))),
            f.input(first(ItemType.INVESTIGATORS), "李明, ,王芳"),
        )
        assertNull(f.input(first(ItemType.TEXT), "   "))
        for ((type, typed) in listOf(ItemType.INTEGER to "12", ItemType.DECIMAL to "45.5", ItemType.MULTI_CHOICE to "a, b")) {
            val item = first(type)
            f.set(item.id, f.input(item, typed))
            assertEquals(typed, f.inputText(item.id))
        }
    }

    check("a decimal JSON cannot carry is refused by the core, and the answer before it stays") {
        val vm = VisitViewModel.start(store, Fixtures.ECONOMIC, "tekun", null, T0 + 100 * minute)
        val area = assertNotNull(vm.form.template.item("housing_area"))
        assertTrue(vm.answer(area.id, vm.form.input(area, "45.5")))
        for (bad in listOf("NaN", "Infinity")) {
            assertFalse(vm.answer(area.id, vm.form.input(area, bad)), bad)
            assertTrue(area.id in vm.form.error(area.id).orEmpty(), vm.form.error(area.id))
        }
        val stored = store.draft(vm.visitId).answers.single { it.path == area.id }
        assertEquals(AnswerValue.Decimal(45.5), stored.value)
    }

    check("a group confirmed empty drops its entries, in the form and in the core") {
        val vm = VisitViewModel.start(store, Fixtures.ECONOMIC, "tekun", null, T0 + 110 * minute)
        assertEquals(0, vm.addInstance("supporters"))
        assertTrue(vm.answer("supporters[0].name", AnswerValue.Text("张三")))
        assertFalse(vm.answer("supporters[0].monthly_support", AnswerValue.Text("many")))
        assertNotNull(vm.form.error("supporters[0].monthly_support"))
        assertEquals(1, store.draft(vm.visitId).instances["supporters"])
        assertTrue(vm.answer("supporters", AnswerValue.NoEntries))
        assertEquals(0, vm.form.instances("supporters"))
        assertEquals(AnswerValue.NoEntries, vm.form.answer("supporters"))
        assertNull(vm.form.error("supporters[0].monthly_support"), "the entry's refusal goes with it")
        val draft = store.draft(vm.visitId)
        assertNull(draft.instances["supporters"])
        assertEquals(listOf(AnswerValue.NoEntries), draft.answers.filter { it.path.startsWith("supporters") }.map { it.value })
        val resumed = VisitViewModel.resume(store, vm.visitId)
        assertEquals(AnswerValue.NoEntries, resumed.form.answer("supporters"))
        assertTrue(resumed.form.canAddInstance("supporters"))
    }

    check("investigators: staff picked from the station's list, others typed; nobody twice") {
        val vm = VisitViewModel.start(store, Fixtures.ECONOMIC, "tekun", null, T0 + 120 * minute)
        val item = assertNotNull(vm.form.template.item("investigators"))
        assertEquals(ItemType.INVESTIGATORS, item.type)
        assertEquals(listOf(Fixtures.STAFF_LI, Fixtures.STAFF_WANG), vm.staff.map { it.id })
        assertTrue("investigators" in vm.form.missingRequired())
        val li = vm.staff.first()

        assertTrue(vm.answer(item.id, investigators(listOf(li), listOf(" 陈晓燕 ", ""))), vm.form.error(item.id))
        assertTrue("investigators" !in vm.form.missingRequired())
        val stored = store.draft(vm.visitId).answers.single { it.path == item.id }.value
        assertEquals(AnswerValue.Investigators(listOf(Investigator(Fixtures.STAFF_LI, "李明"), Investigator(null, "陈晓燕"))), stored)

        // A picked colleague typed again is the same person; the refusal names the item, not the person.
        assertFalse(vm.answer(item.id, investigators(listOf(li), listOf("李 明"))))
        val refusal = vm.form.error(item.id).orEmpty()
        assertTrue(item.id in refusal && "李" !in refusal, refusal)
        assertFalse(vm.answer(item.id, investigators(listOf(StaffMember("s-gone", "赵强")), emptyList())), "a pick not on the list")

        val resumed = VisitViewModel.resume(store, vm.visitId)
        assertEquals(stored, resumed.form.answer(item.id))
        assertEquals(setOf(Fixtures.STAFF_LI), pickedStaffIds(resumed.form.answer(item.id)))
        assertEquals(listOf("陈晓燕"), typedInvestigators(resumed.form.answer(item.id)))
        assertEquals("李明, 陈晓燕", resumed.form.inputText(item.id))
        assertTrue(vm.answer(item.id, null))
        assertTrue("investigators" in vm.form.missingRequired())
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
        assertEquals(5, before.pendingDrafts, "the elderly and four economic drafts left by the checks above")
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
