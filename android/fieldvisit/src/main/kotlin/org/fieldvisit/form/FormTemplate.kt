package org.fieldvisit.form

import uniffi.fieldvisit_core.Label
import uniffi.fieldvisit_ffi.ItemKindRecord
import uniffi.fieldvisit_ffi.ItemRecord
import uniffi.fieldvisit_ffi.TemplateRecord

/** A text shown to users, Chinese first. */
data class Text(val zh: String, val en: String) {
    companion object {
        fun of(l: Label): Text = Text(l.zh, l.en)
    }
}

/** Item types of `core/TEMPLATES.md` §3, one per `ItemKindRecord` variant. */
enum class ItemType {
    YES_NO, SINGLE_CHOICE, MULTI_CHOICE, INTEGER, DECIMAL, TEXT, DATE, PHOTO, REPEAT, SIGNATURE, INVESTIGATORS,
}

data class Option(val value: String, val label: Text)

/** One item as the form needs it, flattened from the typed `ItemRecord`. */
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
) {
    companion object {
        /** Flattens the typed item; a kind's parameters become the fields that apply to it. */
        fun of(i: ItemRecord): FormItem {
            val base = FormItem(
                id = i.id, type = ItemType.YES_NO, label = Text.of(i.label), help = i.help?.let(Text::of),
                required = i.required, conditional = i.conditional, options = emptyList(), exclusive = emptySet(),
                min = null, max = null, unit = null, maxLength = null, minCount = 0, maxCount = null, items = emptyList(),
            )
            return when (val k = i.kind) {
                is ItemKindRecord.YesNo -> base
                is ItemKindRecord.SingleChoice -> base.copy(type = ItemType.SINGLE_CHOICE, options = options(k.options))
                is ItemKindRecord.MultiChoice ->
                    base.copy(type = ItemType.MULTI_CHOICE, options = options(k.options), exclusive = k.exclusive.toSet())
                is ItemKindRecord.Integer -> base.copy(
                    type = ItemType.INTEGER, unit = k.unit?.let(Text::of), min = k.min?.toDouble(), max = k.max?.toDouble(),
                )
                is ItemKindRecord.Decimal ->
                    base.copy(type = ItemType.DECIMAL, unit = k.unit?.let(Text::of), min = k.min, max = k.max)
                is ItemKindRecord.Text -> base.copy(type = ItemType.TEXT, maxLength = k.maxLength)
                is ItemKindRecord.Date -> base.copy(type = ItemType.DATE)
                is ItemKindRecord.Photo -> base.copy(type = ItemType.PHOTO, minCount = k.minCount, maxCount = k.maxCount)
                is ItemKindRecord.Repeat -> base.copy(
                    type = ItemType.REPEAT, minCount = k.minCount, maxCount = k.maxCount, items = k.items.map(::of),
                )
                is ItemKindRecord.Signature -> base.copy(type = ItemType.SIGNATURE)
                is ItemKindRecord.Investigators -> base.copy(type = ItemType.INVESTIGATORS, maxCount = k.maxCount)
            }
        }

        private fun options(list: List<uniffi.fieldvisit_core.ChoiceOption>) = list.map { Option(it.value, Text.of(it.label)) }
    }
}

data class FormSection(val id: String, val title: Text, val items: List<FormItem>)

/** The parts of a template that a form renders, from the core's typed `TemplateRecord`. */
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
        /** The form of a template as `FieldVisitStore.template(categoryCode)` returns it. */
        fun of(t: TemplateRecord): FormTemplate = FormTemplate(
            id = t.id,
            version = t.version,
            title = Text.of(t.title),
            minInvestigators = t.minInvestigators,
            sections = t.sections.map { s -> FormSection(s.id, Text.of(s.title), s.items.map(FormItem::of)) },
        )
    }
}
