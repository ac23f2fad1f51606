package org.fieldvisit.form

/**
 * The state of a visit form, independent of Android: answers in the app's answer JSON (what
 * `FieldVisitStore.answer` takes), photos per item, the items the core currently hides, and the
 * core's refusal per item. The core stays the judge of validity, visibility and scores; this class
 * only remembers what the screen shows.
 */
class FormState(val template: FormTemplate) {
    private val answers = LinkedHashMap<String, Json>()
    private val photos = LinkedHashMap<String, MutableList<String>>()
    private val errors = LinkedHashMap<String, String>()

    /** Top-level item ids the core's last evaluation hid. */
    var hidden: Set<String> = emptySet()
        private set

    fun answer(path: String): Json? = answers[path]
    fun photos(path: String): List<String> = photos[path].orEmpty()
    fun error(path: String): String? = errors[path]
    val errorPaths: Set<String> get() = errors.keys

    /** Records a value the screen is about to send; returns the JSON text for the core. */
    fun set(path: String, value: Json?): String {
        if (value == null || value == Json.Null) answers.remove(path) else answers[path] = value
        return (value ?: Json.Null).encode()
    }

    /** The core accepted the answer at `path`. */
    fun accepted(path: String) { errors.remove(path) }

    /** The core refused the answer at `path`; the reason is shown beside the item. */
    fun rejected(path: String, reason: String) { errors[path] = reason }

    fun photoAdded(path: String, photoId: String) { photos.getOrPut(path) { mutableListOf() }.add(photoId) }
    fun photoRemoved(photoId: String) { photos.values.forEach { it.remove(photoId) } }

    /** Takes the hidden set from the core's evaluation. */
    fun applyHidden(ids: Collection<String>) { hidden = ids.toSet() }

    fun isVisible(item: FormItem) = item.id !in hidden

    /** Sections with at least one visible item, each with only its visible items. */
    fun visibleSections(): List<FormSection> = template.sections
        .map { s -> s.copy(items = s.items.filter(::isVisible)) }
        .filter { it.items.isNotEmpty() }

    /** Number of instances of a repeat group. */
    fun instances(group: String): Int = (answers[group] as? Json.Arr)?.items?.size ?: 0

    /**
     * Visible required items that still need an answer, as paths, in template order: what the
     * screen marks before the worker tries to seal. The core's `Incomplete` error stays final.
     */
    fun missingRequired(): List<String> {
        val out = mutableListOf<String>()
        for (item in template.items) {
            if (!isVisible(item)) continue
            when (item.type) {
                ItemType.PHOTO -> if (item.required && photos(item.id).size < maxOf(item.minCount, 1)) out += item.id
                ItemType.REPEAT -> {
                    val list = (answers[item.id] as? Json.Arr)?.items.orEmpty()
                    if (item.required && list.isEmpty()) out += item.id
                    list.forEachIndexed { n, inst ->
                        val o = inst as? Json.Obj
                        for (child in item.items) {
                            if (child.required && !child.conditional && child.type != ItemType.PHOTO && o?.get(child.id).isBlank()) {
                                out += "${item.id}[$n].${child.id}"
                            }
                        }
                    }
                }
                else -> if (item.required && answers[item.id].isBlank()) out += item.id
            }
        }
        return out
    }

    /** Visible items with an answer or photos, and all visible items. */
    fun progress(): Pair<Int, Int> {
        val visible = template.items.filter(::isVisible)
        val done = visible.count { !answers[it.id].isBlank() || photos(it.id).isNotEmpty() }
        return done to visible.size
    }

    /**
     * Turns what the worker typed or picked into answer JSON for an item, or `null` when the input
     * is empty. Returns the text as a string when it does not look like the type, so that the core
     * names the problem (`WrongType`) instead of the screen guessing.
     */
    fun input(item: FormItem, raw: String): Json? {
        val text = raw.trim()
        if (text.isEmpty()) return null
        return when (item.type) {
            ItemType.YES_NO -> when (text) { "true", "是" -> Json.Bool(true); "false", "否" -> Json.Bool(false); else -> Json.Str(text) }
            ItemType.INTEGER, ItemType.DECIMAL -> if (text.toDoubleOrNull() != null) Json.Num(text) else Json.Str(text)
            ItemType.MULTI_CHOICE -> Json.Arr(text.split(',').map { Json.Str(it.trim()) }.filter { it.value.isNotEmpty() })
            else -> Json.Str(raw)
        }
    }

    /** Restores answers from a stored draft (`DraftRecord.answersJson`, core's tagged form). */
    fun restore(storedAnswersJson: String, photoItems: Map<String, List<String>> = emptyMap()) {
        answers.clear()
        photos.clear()
        val obj = Json.parse(storedAnswersJson) as? Json.Obj ?: return
        for ((id, tagged) in obj.fields) {
            val (tag, v) = untag(tagged) ?: continue
            when (tag) {
                "photos" -> (v as? Json.Arr)?.items?.forEach { (it as? Json.Str)?.let { s -> photoAdded(id, s.value) } }
                else -> answers[id] = plain(tag, v)
            }
        }
        photoItems.forEach { (path, ids) -> ids.forEach { photoAdded(path, it) } }
    }

    private fun untag(j: Json): Pair<String, Json>? {
        val o = j as? Json.Obj ?: return null
        val tag = (o["t"] as? Json.Str)?.value ?: return null
        return tag to (o["v"] ?: Json.Null)
    }

    private fun plain(tag: String, v: Json): Json = when (tag) {
        "repeat" -> Json.Arr((v as? Json.Arr)?.items.orEmpty().map { inst ->
            val fields = LinkedHashMap<String, Json>()
            (inst as? Json.Obj)?.fields?.forEach { (k, tv) -> untag(tv)?.let { (t, x) -> if (t != "photos") fields[k] = plain(t, x) } }
            Json.Obj(fields)
        })
        else -> v
    }

    private fun Json?.isBlank(): Boolean = when (this) {
        null, Json.Null -> true
        is Json.Str -> value.isBlank()
        is Json.Arr -> items.isEmpty()
        else -> false
    }
}
