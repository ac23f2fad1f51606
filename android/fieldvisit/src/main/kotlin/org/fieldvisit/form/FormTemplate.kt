package org.fieldvisit.form

/** A text shown to users, Chinese first. */
data class Text(val zh: String, val en: String) {
    companion object {
        fun of(j: Json?): Text? = (j as? Json.Obj)?.let {
            Text((it["zh"] as? Json.Str)?.value ?: "", (it["en"] as? Json.Str)?.value ?: "")
        }
    }
}

/** Item types of `core/TEMPLATES.md` §3; an unknown type is rendered as read-only text. */
enum class ItemType(val code: String) {
    YES_NO("yes_no"), SINGLE_CHOICE("single_choice"), MULTI_CHOICE("multi_choice"),
    INTEGER("integer"), DECIMAL("decimal"), TEXT("text"), DATE("date"), PHOTO("photo"),
    REPEAT("repeat"), SIGNATURE("signature"), UNKNOWN("");

    companion object {
        fun of(code: String): ItemType = entries.firstOrNull { it.code == code } ?: UNKNOWN
    }
}

data class Option(val value: String, val label: Text)

/** One item as the form needs it; conditions and scoring stay in the core. */
data class FormItem(
    val id: String,
    val type: ItemType,
    val label: Text,
    val help: Text?,
    val required: Boolean,
    val conditional: Boolean,
    val options: List<Option>,
    val exclusive: Set<String>,
    val min: Double?,
    val max: Double?,
    val unit: Text?,
    val maxLength: Int?,
    val minCount: Int,
    val maxCount: Int?,
    val items: List<FormItem>,
)

data class FormSection(val id: String, val title: Text, val items: List<FormItem>)

/** The parts of a template (core's template JSON) that a form renders. */
data class FormTemplate(
    val id: String,
    val version: Int,
    val title: Text,
    val minInvestigators: Int,
    val sections: List<FormSection>,
) {
    /** Every top-level item in template order. */
    val items: List<FormItem> get() = sections.flatMap { it.items }

    fun item(id: String): FormItem? = items.firstOrNull { it.id == id }

    companion object {
        /** Reads core's template JSON (`FieldVisitStore.templateJson`). */
        fun parse(json: String): FormTemplate {
            val t = Json.parse(json) as? Json.Obj ?: throw IllegalArgumentException("a template is a JSON object")
            return FormTemplate(
                id = t.string("id"),
                version = t.int("version") ?: 0,
                title = Text.of(t["title"]) ?: Text("", ""),
                minInvestigators = t.int("min_investigators") ?: 0,
                sections = t.list("sections").map { s ->
                    s as Json.Obj
                    FormSection(s.string("id"), Text.of(s["title"]) ?: Text("", ""), s.list("items").map(::item))
                },
            )
        }

        private fun item(j: Json): FormItem {
            val o = j as? Json.Obj ?: throw IllegalArgumentException("an item is a JSON object")
            return FormItem(
                id = o.string("id"),
                type = ItemType.of(o.string("type")),
                label = Text.of(o["label"]) ?: Text("", ""),
                help = Text.of(o["help"]),
                required = (o["required"] as? Json.Bool)?.value ?: false,
                conditional = o["visible_if"] != null,
                options = o.list("options").map {
                    it as Json.Obj
                    Option(it.string("value"), Text.of(it["label"]) ?: Text("", ""))
                },
                exclusive = o.list("exclusive").mapNotNull { (it as? Json.Str)?.value }.toSet(),
                min = (o["min"] as? Json.Num)?.asDouble,
                max = (o["max"] as? Json.Num)?.asDouble,
                unit = Text.of(o["unit"]),
                maxLength = o.int("max_length"),
                minCount = o.int("min_count") ?: 0,
                maxCount = o.int("max_count"),
                items = o.list("items").map(::item),
            )
        }

        private fun Json.Obj.string(key: String) = (this[key] as? Json.Str)?.value ?: ""
        private fun Json.Obj.int(key: String) = (this[key] as? Json.Num)?.asLongOrNull?.toInt()
        private fun Json.Obj.list(key: String) = (this[key] as? Json.Arr)?.items ?: emptyList()
    }
}
