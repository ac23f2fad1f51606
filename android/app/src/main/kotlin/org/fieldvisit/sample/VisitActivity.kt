package org.fieldvisit.sample

import android.Manifest
import android.net.Uri
import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.FileProvider
import java.io.File
import java.util.concurrent.Executors
import org.fieldvisit.android.LocationAdapter
import org.fieldvisit.form.FormItem
import org.fieldvisit.form.ItemType
import org.fieldvisit.form.investigators
import org.fieldvisit.form.pickedStaffIds
import org.fieldvisit.form.typedInvestigators
import org.fieldvisit.viewmodel.SealOutcome
import org.fieldvisit.viewmodel.VisitViewModel
import uniffi.fieldvisit_ffi.AnswerValue

/**
 * The form screen: renders any template the core serves, sends each answer to the core as it is
 * entered, shows the core's refusal beside the item, hides what the core hides, takes photos with
 * the camera into the core, and seals.
 */
class VisitActivity : ComponentActivity() {
    private val io = Executors.newSingleThreadExecutor()
    private var vm: VisitViewModel? = null
    private lateinit var body: LinearLayout
    private var photoItem: String? = null
    private val captureFile by lazy { File(cacheDir, "capture/photo.jpg").apply { parentFile?.mkdirs() } }

    private val takePicture = registerForActivityResult(ActivityResultContracts.TakePicture()) { ok ->
        val item = photoItem ?: return@registerForActivityResult
        if (ok) io.execute {
            val bytes = captureFile.readBytes()
            captureFile.delete() // the only copy is now the core's encrypted one
            vm?.attachPhoto(item, bytes, System.currentTimeMillis())
            runOnUiThread(::render)
        }
    }

    private val askLocation = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) LocationAdapter(this).currentFix { fix -> start(fix) } else start(null)
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        body = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        setContentView(ScrollView(this).apply { addView(body) })
        askLocation.launch(Manifest.permission.ACCESS_FINE_LOCATION)
    }

    private fun start(fix: uniffi.fieldvisit_ffi.GpsFixRecord?) = io.execute {
        val store = Stores.get(this)
        val household = intent.getStringExtra(HOUSEHOLD) ?: return@execute
        val category = intent.getStringExtra(CATEGORY) ?: return@execute
        vm = VisitViewModel.start(store, household, category, fix, System.currentTimeMillis())
        runOnUiThread(::render)
    }

    private fun render() {
        val vm = vm ?: return
        body.removeAllViews()
        body.addView(TextView(this).apply { text = vm.form.template.title.zh; textSize = 20f })
        vm.levels.forEach { (score, level) -> body.addView(TextView(this).apply { text = "$score: $level" }) }
        for (section in vm.form.visibleSections()) {
            body.addView(TextView(this).apply { text = section.title.zh; textSize = 18f })
            section.items.forEach { addItem(vm, it) }
        }
        body.addView(Button(this).apply {
            text = "完成并封存 / finish and seal"
            setOnClickListener {
                io.execute {
                    val outcome = vm.finishAndSeal(System.currentTimeMillis())
                    runOnUiThread {
                        val message = when (outcome) {
                            is SealOutcome.Sealed -> "已封存 #${outcome.record.seq} ${outcome.record.level ?: ""}"
                            is SealOutcome.Incomplete -> outcome.message
                            is SealOutcome.Failed -> outcome.message
                        }
                        body.addView(TextView(context).apply { text = message })
                        if (outcome is SealOutcome.Sealed) finish()
                    }
                }
            }
        })
    }

    private fun send(vm: VisitViewModel, path: String, value: AnswerValue?) = io.execute {
        vm.answer(path, value)
        runOnUiThread(::render)
    }

    private fun addItem(vm: VisitViewModel, item: FormItem, path: String = item.id) {
        val form = vm.form
        val mark = if (item.required) " *" else ""
        body.addView(TextView(this).apply { text = "${item.label.zh}$mark" })
        when (item.type) {
            ItemType.YES_NO -> body.addView(CheckBox(this).apply {
                text = "是"
                isChecked = form.answer(path) == AnswerValue.Bool(true)
                setOnCheckedChangeListener { _, checked -> send(vm, path, AnswerValue.Bool(checked)) }
            })
            ItemType.SINGLE_CHOICE -> item.options.forEach { o ->
                body.addView(Button(this).apply {
                    text = (if (form.answer(path) == AnswerValue.Choice(o.value)) "● " else "○ ") + o.label.zh
                    setOnClickListener { send(vm, path, AnswerValue.Choice(o.value)) }
                })
            }
            ItemType.MULTI_CHOICE -> {
                val chosen = (form.answer(path) as? AnswerValue.Choices)?.values.orEmpty().toMutableList()
                item.options.forEach { o ->
                    body.addView(CheckBox(this).apply {
                        text = o.label.zh
                        isChecked = o.value in chosen
                        setOnCheckedChangeListener { _, on ->
                            if (on) chosen += o.value else chosen -= o.value
                            send(vm, path, AnswerValue.Choices(chosen.toList()))
                        }
                    })
                }
            }
            ItemType.PHOTO -> body.addView(Button(this).apply {
                text = "拍照 / take photo (${form.photos(path).size})"
                setOnClickListener {
                    photoItem = path
                    val uri: Uri = FileProvider.getUriForFile(context, "org.fieldvisit.sample.photos", captureFile)
                    takePicture.launch(uri)
                }
            })
            ItemType.REPEAT -> addGroup(vm, item)
            ItemType.INVESTIGATORS -> addInvestigators(vm, path)
            else -> body.addView(EditText(this).apply {
                inputType = when (item.type) {
                    ItemType.INTEGER -> InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_SIGNED
                    ItemType.DECIMAL -> InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL
                    ItemType.DATE -> InputType.TYPE_CLASS_DATETIME or InputType.TYPE_DATETIME_VARIATION_DATE
                    else -> InputType.TYPE_CLASS_TEXT
                }
                hint = item.unit?.zh ?: if (item.type == ItemType.DATE) "YYYY-MM-DD" else ""
                setText(form.inputText(path))
                setOnFocusChangeListener { _, focused -> if (!focused) send(vm, path, form.input(item, text.toString())) }
            })
        }
        form.error(path)?.let { e -> body.addView(TextView(this).apply { text = e; setTextColor(0xFFB00020.toInt()) }) }
    }

    /**
     * An investigators item: the station's staff as check boxes, and a field for the names of anyone
     * not on the list (comma-separated). Every change sends the whole list.
     */
    private fun addInvestigators(vm: VisitViewModel, path: String) {
        val form = vm.form
        val picked = vm.staff.filter { it.id in pickedStaffIds(form.answer(path)) }.toMutableList()
        var typed = typedInvestigators(form.answer(path))
        vm.staff.forEach { member ->
            body.addView(CheckBox(this).apply {
                text = member.name
                isChecked = member in picked
                setOnCheckedChangeListener { _, on ->
                    if (on) picked += member else picked -= member
                    send(vm, path, investigators(picked.toList(), typed))
                }
            })
        }
        body.addView(EditText(this).apply {
            hint = "名单外人员，逗号分隔 / others, comma-separated"
            setText(typed.joinToString(", "))
            setOnFocusChangeListener { _, focused ->
                if (!focused) {
                    typed = text.toString().split(',')
                    send(vm, path, investigators(picked.toList(), typed))
                }
            }
        })
    }

    /** A repeat group: each entry with its shown items and a remove button, then "add entry". */
    private fun addGroup(vm: VisitViewModel, group: FormItem) {
        val form = vm.form
        for (n in 0 until form.instances(group.id)) {
            body.addView(LinearLayout(this).apply {
                orientation = LinearLayout.HORIZONTAL
                addView(TextView(context).apply { text = "${group.label.zh} ${n + 1}"; textSize = 16f })
                addView(Button(context).apply {
                    text = "删除 / remove"
                    setOnClickListener {
                        io.execute {
                            vm.removeInstance(group.id, n)
                            runOnUiThread(::render)
                        }
                    }
                })
            })
            group.items.filter { form.isVisible(group.id, n, it) }.forEach { addItem(vm, it, "${group.id}[$n].${it.id}") }
        }
        if (form.canAddInstance(group.id)) body.addView(Button(this).apply {
            text = "添加 / add entry: ${group.label.zh}"
            setOnClickListener {
                vm.addInstance(group.id)
                render()
            }
        })
    }

    companion object {
        const val HOUSEHOLD = "household"
        const val CATEGORY = "category"
    }
}
