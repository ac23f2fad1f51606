package org.fieldvisit.form

import uniffi.fieldvisit_core.Investigator
import uniffi.fieldvisit_core.StaffMember
import uniffi.fieldvisit_ffi.AnswerValue

/**
 * The answer of an investigators item: colleagues picked from the station's staff list
 * (`FieldVisitStore.stationStaff`), then names typed for anyone not on it (blank ones dropped).
 * The core fills in picked names from its list and refuses anyone entered twice.
 */
fun investigators(picked: List<StaffMember>, typedNames: List<String>): AnswerValue.Investigators =
    AnswerValue.Investigators(
        picked.map { Investigator(it.id, it.name) } +
            typedNames.map { it.trim() }.filter { it.isNotEmpty() }.map { Investigator(null, it) },
    )

/** Staff ids picked in an investigators answer, to show the list's picks as checked. */
fun pickedStaffIds(value: AnswerValue?): Set<String> =
    (value as? AnswerValue.Investigators)?.people.orEmpty().mapNotNull { it.staffId }.toSet()

/** Names typed (not picked) in an investigators answer, for the fallback field. */
fun typedInvestigators(value: AnswerValue?): List<String> =
    (value as? AnswerValue.Investigators)?.people.orEmpty().filter { it.staffId == null }.map { it.name }
