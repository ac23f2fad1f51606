package org.fieldvisit.form

import uniffi.fieldvisit_ffi.DraftAnswer

/**
 * The state of a visit form, independent of Android: answers in the app's answer JSON (what
 * `FieldVisitStore.answer` takes), photos per item, the items the core currently hides, and the
 * core's refusal per item. The core stays the judge of validity, visibility and scores; this class
 * only remembers what the screen shows.
 */
class FormState(val template: FormTemplate) {
    /** Top-level answers; a repeat group's value is an array with one object per instance. */
    private val answers = LinkedHashMap<String, Json>()
    private val photos = LinkedHashMap<String, MutableList<String>>()
    private val errors = LinkedHashMap<String, String>()

    /** Instances of each repeat group that the core holds; one more may exist here, still empty. */
    private val stored = HashMap<String, Int>()

    /** Top-level item ids the core's last evaluation hid. */
    var hidden: Set<String> = emptySet()
        private set

    /** The answer at `item` or `group[n].item`. */
    fun answer(path: String): Json? {
        val p = ItemPath.parse(path) ?: return answers[path]
        if (p.group == null) return answers[p.item]
        return instance(p.group, p.index)?.get(p.item)
    }

    fun photos(path: String): List<String> = photos[path].orEmpty()
    fun error(path: String): String? = errors[path]
    val errorPaths: Set<String> get() = errors.keys

    /** Records a value the screen is about to send; returns the JSON text for the core. */
    fun set(path: String, value: Json?): String {
        val v = if (value == Json.Null) null else value
        val p = ItemPath.parse(path)
        if (p?.group == null) {
            if (v == null) answers.remove(path) else answers[path] = v
        } else {
            val list = instanceList(p.group).toMutableList()
            if (p.index <= list.size) {
                if (p.index == list.size) list += Json.Obj(LinkedHashMap())
                val fields = LinkedHashMap((list[p.index] as? Json.Obj)?.fields.orEmpty())
                if (v == null) fields.remove(p.item) else fields[p.item] = v
                list[p.index] = Json.Obj(fields)
                answers[p.group] = Json.Arr(list)
            }
        }
        return (v ?: Json.Null).encode()
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
    fun instances(group: String): Int = instanceList(group).size

    /** Instance `n` of a repeat group, as an object keyed by child item id. */
    fun instance(group: String, n: Int): Json.Obj? = instanceList(group).getOrNull(n) as? Json.Obj

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
        val list = instanceList(group) + Json.Obj(LinkedHashMap())
        answers[group] = Json.Arr(list)
        return list.size - 1
    }

    /**
     * Drops instance `n` of `group` as the core does: later instances, their photos and their
     * errors move up one.
     */
    fun removeInstance(group: String, n: Int) {
        val list = instanceList(group).toMutableList()
        if (n !in list.indices) return
        list.removeAt(n)
        if (list.isEmpty()) answers.remove(group) else answers[group] = Json.Arr(list)
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

    private fun instanceList(group: String): List<Json> = (answers[group] as? Json.Arr)?.items.orEmpty()

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
                    val list = (answers[item.id] as? Json.Arr)?.items.orEmpty()
                    if (item.required && list.isEmpty()) out += item.id
                    list.forEachIndexed { n, inst ->
                        val o = inst as? Json.Obj
                        for (child in item.items) {
                            if (!child.required || !isVisible(item.id, n, child)) continue
                            val path = "${item.id}[$n].${child.id}"
                            val missing = if (child.type == ItemType.PHOTO) photos(path).size < maxOf(child.minCount, 1) else o?.get(child.id).isBlank()
                            if (missing) out += path
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

    /**
     * Restores a stored draft: `DraftRecord.answers` (each the path and JSON that `answer` takes),
     * `DraftRecord.photos` (photo ids by item path) and `DraftRecord.instances` (entries of each
     * repeat group, including entries that hold only photos).
     */
    fun restore(
        storedAnswers: List<DraftAnswer>,
        photoItems: Map<String, List<String>> = emptyMap(),
        instances: Map<String, Int> = emptyMap(),
    ) {
        answers.clear()
        photos.clear()
        errors.clear()
        stored.clear()
        for ((group, n) in instances) {
            answers[group] = Json.Arr(List(n) { Json.Obj(LinkedHashMap()) })
            stored[group] = n
        }
        for (a in storedAnswers) {
            set(a.path, Json.parse(a.valueJson))
            accepted(a.path)
        }
        photoItems.forEach { (path, ids) -> ids.forEach { photoAdded(path, it) } }
    }

    private fun Json?.isBlank(): Boolean = when (this) {
        null, Json.Null -> true
        is Json.Str -> value.isBlank()
        is Json.Arr -> items.isEmpty()
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
