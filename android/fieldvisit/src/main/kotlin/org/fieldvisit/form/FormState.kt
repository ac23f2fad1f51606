package org.fieldvisit.form

import uniffi.fieldvisit_ffi.AnswerValue
import uniffi.fieldvisit_ffi.DraftAnswer

/**
 * The state of a visit form, independent of Android: the typed answers the screen sent (what
 * `FieldVisitStore.answer` takes), photos per item, the items the core currently hides, and the
 * core's refusal per item. The core stays the judge of validity, visibility and scores; this class
 * only remembers what the screen shows.
 */
class FormState(val template: FormTemplate) {
    /** Answers of top-level items; a repeat group confirmed empty holds [AnswerValue.NoEntries]. */
    private val answers = LinkedHashMap<String, AnswerValue>()
    /** Entries shown of each repeat group, each with its answers by child item id. */
    private val entries = LinkedHashMap<String, MutableList<LinkedHashMap<String, AnswerValue>>>()
    private val photos = LinkedHashMap<String, MutableList<String>>()
    private val errors = LinkedHashMap<String, String>()

    /** Instances of each repeat group that the core holds; one more may exist here, still empty. */
    private val stored = HashMap<String, Int>()

    /** Top-level item ids the core's last evaluation hid. */
    var hidden: Set<String> = emptySet()
        private set

    /** The answer at `item` or `group[n].item`. */
    fun answer(path: String): AnswerValue? {
        val p = ItemPath.parse(path) ?: return null
        if (p.group == null) return answers[p.item]
        return instance(p.group, p.index)?.get(p.item)
    }

    fun photos(path: String): List<String> = photos[path].orEmpty()
    fun error(path: String): String? = errors[path]
    val errorPaths: Set<String> get() = errors.keys

    /**
     * Records a value the screen is about to send (`null` clears it), as the core will hold it: a
     * group answered [AnswerValue.NoEntries] or cleared loses its entries with their photos, and an
     * answer inside entry `n` creates that entry when it is the next one.
     */
    fun set(path: String, value: AnswerValue?) {
        val p = ItemPath.parse(path) ?: return
        if (p.group == null) {
            if (value == null) answers.remove(p.item) else answers[p.item] = value
            if ((value == null || value == AnswerValue.NoEntries) && entries.remove(p.item) != null) {
                photos.keys.removeAll { ItemPath.parse(it)?.group == p.item }
                errors.keys.removeAll { ItemPath.parse(it)?.group == p.item }
            }
            return
        }
        val list = entries.getOrPut(p.group) { mutableListOf() }
        if (p.index > list.size) return
        if (p.index == list.size) list += LinkedHashMap<String, AnswerValue>()
        if (value == null) list[p.index].remove(p.item) else list[p.index][p.item] = value
        answers.remove(p.group)
    }

    /** The core accepted the answer at `path`. */
    fun accepted(path: String) {
        errors.remove(path)
        val p = ItemPath.parse(path) ?: return
        if (p.group != null) {
            stored[p.group] = maxOf(stored[p.group] ?: 0, p.index + 1)
        } else if (template.item(p.item)?.type == ItemType.REPEAT) {
            stored[p.item] = instances(p.item)
        }
    }

    /** The core refused the answer at `path`; the reason is shown beside the item. */
    fun rejected(path: String, reason: String) { errors[path] = reason }

    fun photoAdded(path: String, photoId: String) { photos.getOrPut(path) { mutableListOf() }.add(photoId) }
    fun photoRemoved(photoId: String) { photos.values.forEach { it.remove(photoId) } }

    /** Number of instances of a repeat group shown (the core's, and one new empty one if added). */
    fun instances(group: String): Int = entries[group]?.size ?: 0

    /** Instance `n` of a repeat group: its answers by child item id. */
    fun instance(group: String, n: Int): Map<String, AnswerValue>? = entries[group]?.getOrNull(n)

    /** Whether instance `n` of `group` exists only here, not yet in the core (nothing answered). */
    fun isNewInstance(group: String, n: Int): Boolean = n >= (stored[group] ?: 0)

    /**
     * Whether the worker may add an entry to `group`: below its `max_count`, and every shown entry
     * already in the core (an entry becomes real with its first answer, so only one can be new).
     */
    fun canAddInstance(group: String): Boolean {
        val item = template.item(group) ?: return false
        if (item.type != ItemType.REPEAT) return false
        val n = instances(group)
        return n < (item.maxCount ?: Int.MAX_VALUE) && !isNewInstance(group, n - 1)
    }

    /** Shows a new, empty entry of `group` for the worker to fill in; returns its index. */
    fun addInstance(group: String): Int? {
        if (!canAddInstance(group)) return null
        val list = entries.getOrPut(group) { mutableListOf() }
        list += LinkedHashMap<String, AnswerValue>()
        return list.size - 1
    }

    /**
     * Drops instance `n` of `group` as the core does: later instances, their photos and their
     * errors move up one.
     */
    fun removeInstance(group: String, n: Int) {
        val list = entries[group] ?: return
        if (n !in list.indices) return
        list.removeAt(n)
        if (list.isEmpty()) entries.remove(group)
        if (!isNewInstance(group, n)) stored[group] = (stored[group] ?: 1) - 1
        shiftPaths(photos, group, n)
        shiftPaths(errors, group, n)
    }

    private fun <V> shiftPaths(map: LinkedHashMap<String, V>, group: String, removed: Int) {
        val moved = LinkedHashMap<String, V>()
        for ((path, v) in map) {
            val p = ItemPath.parse(path)
            when {
                p?.group != group -> moved[path] = v
                p.index == removed -> {}
                p.index > removed -> moved[ItemPath(group, p.index - 1, p.item).toString()] = v
                else -> moved[path] = v
            }
        }
        map.clear()
        map.putAll(moved)
    }

    /** Takes the hidden set from the core's evaluation (top-level ids and `group[n].item` paths). */
    fun applyHidden(ids: Collection<String>) { hidden = ids.toSet() }

    fun isVisible(item: FormItem) = item.id !in hidden

    /**
     * Whether child `child` of instance `n` of `group` is shown. The core judges the instances it
     * holds; in a new entry, items with a condition wait for its first answer.
     */
    fun isVisible(group: String, n: Int, child: FormItem): Boolean =
        "$group[$n].${child.id}" !in hidden && !(child.conditional && isNewInstance(group, n))

    /** Sections with at least one visible item, each with only its visible items. */
    fun visibleSections(): List<FormSection> = template.sections
        .map { s -> s.copy(items = s.items.filter(::isVisible)) }
        .filter { it.items.isNotEmpty() }

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
                    val list = entries[item.id].orEmpty()
                    if (item.required && list.isEmpty()) out += item.id
                    list.forEachIndexed { n, inst ->
                        for (child in item.items) {
                            if (!child.required || !isVisible(item.id, n, child)) continue
                            val path = "${item.id}[$n].${child.id}"
                            val missing = if (child.type == ItemType.PHOTO) photos(path).size < maxOf(child.minCount, 1) else inst[child.id].isBlank()
                            if (missing) out += path
                        }
                    }
                }
                else -> if (item.required && answers[item.id].isBlank()) out += item.id
            }
        }
        return out
    }

    /** Visible items with an answer, entries or photos, and all visible items. */
    fun progress(): Pair<Int, Int> {
        val visible = template.items.filter(::isVisible)
        val done = visible.count { !answers[it.id].isBlank() || instances(it.id) > 0 || photos(it.id).isNotEmpty() }
        return done to visible.size
    }

    /**
     * Turns what the worker typed or picked into a typed answer for an item, or `null` when the
     * input is empty. Input that does not read as the item's type is sent as text, so that the
     * core names the problem (`WrongType`) instead of the screen guessing.
     */
    fun input(item: FormItem, raw: String): AnswerValue? {
        val text = raw.trim()
        if (text.isEmpty()) return null
        return when (item.type) {
            ItemType.YES_NO -> when (text) {
                "true", "是" -> AnswerValue.Bool(true)
                "false", "否" -> AnswerValue.Bool(false)
                else -> AnswerValue.Text(text)
            }
            ItemType.INTEGER -> text.toLongOrNull()?.let { AnswerValue.Integer(it) }
                ?: text.toDoubleOrNull()?.let { AnswerValue.Decimal(it) } ?: AnswerValue.Text(text)
            ItemType.DECIMAL -> text.toDoubleOrNull()?.let { AnswerValue.Decimal(it) } ?: AnswerValue.Text(text)
            ItemType.SINGLE_CHOICE -> AnswerValue.Choice(text)
            ItemType.MULTI_CHOICE -> AnswerValue.Choices(text.split(',').map { it.trim() }.filter { it.isNotEmpty() })
            ItemType.DATE -> AnswerValue.Date(text)
            ItemType.SIGNATURE -> AnswerValue.Signature(text, null)
            ItemType.INVESTIGATORS -> investigators(emptyList(), text.split(','))
            else -> AnswerValue.Text(raw)
        }
    }

    /** The answer at `path` as the text a field shows for editing: what [input] reads back. */
    fun inputText(path: String): String = when (val a = answer(path)) {
        is AnswerValue.Text -> a.value
        is AnswerValue.Choice -> a.value
        is AnswerValue.Date -> a.value
        is AnswerValue.Integer -> a.value.toString()
        is AnswerValue.Decimal -> a.value.toString()
        is AnswerValue.Bool -> if (a.value) "是" else "否"
        is AnswerValue.Choices -> a.values.joinToString(", ")
        is AnswerValue.Signature -> a.signer
        is AnswerValue.Investigators -> a.people.joinToString(", ") { it.name }
        AnswerValue.NoEntries, null -> ""
    }

    /**
     * Restores a stored draft: `DraftRecord.answers` (each the path and value that `answer`
     * takes), `DraftRecord.photos` (photo ids by item path) and `DraftRecord.instances` (entries of
     * each repeat group, including entries that hold only photos).
     */
    fun restore(
        storedAnswers: List<DraftAnswer>,
        photoItems: Map<String, List<String>> = emptyMap(),
        instances: Map<String, Int> = emptyMap(),
    ) {
        answers.clear()
        entries.clear()
        photos.clear()
        errors.clear()
        stored.clear()
        for ((group, n) in instances) {
            entries[group] = MutableList(n) { LinkedHashMap<String, AnswerValue>() }
            stored[group] = n
        }
        for (a in storedAnswers) {
            set(a.path, a.value)
            accepted(a.path)
        }
        photoItems.forEach { (path, ids) -> ids.forEach { photoAdded(path, it) } }
    }

    /** An empty selection or blank text is no answer, as the core counts it. */
    private fun AnswerValue?.isBlank(): Boolean = when (this) {
        null -> true
        is AnswerValue.Text -> value.isBlank()
        is AnswerValue.Choices -> values.isEmpty()
        is AnswerValue.Investigators -> people.isEmpty()
        else -> false
    }
}

/** `item` or `group[n].item`, as the core names answers. */
data class ItemPath(val group: String?, val index: Int, val item: String) {
    override fun toString(): String = if (group == null) item else "$group[$index].$item"

    companion object {
        private val IN_GROUP = Regex("""^([^\[\].]+)\[(\d+)]\.([^\[\].]+)$""")

        /** Parses a path; `null` when it is neither form. */
        fun parse(path: String): ItemPath? {
            IN_GROUP.matchEntire(path)?.let { m ->
                val n = m.groupValues[2].toIntOrNull() ?: return null
                return ItemPath(m.groupValues[1], n, m.groupValues[3])
            }
            return if (path.isNotEmpty() && path.none { it in "[]." }) ItemPath(null, 0, path) else null
        }
    }
}
