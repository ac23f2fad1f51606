package org.fieldvisit.store

import uniffi.fieldvisit_ffi.FieldVisitException

/**
 * Whether trying again later can succeed: only `Network` (no connection, server down or busy).
 * Everything else needs the worker or an administrator first (`EnrollmentRefused`, `NotEnrolled`,
 * `Revoked`, `Refused`), was asked for (`Cancelled`), or is about the phone or the input.
 */
val FieldVisitException.isTransient: Boolean
    get() = this is FieldVisitException.Network

/** Whether the phone must (again) be enrolled with a new code before it can sync. */
val FieldVisitException.needsEnrollment: Boolean
    get() = this is FieldVisitException.NotEnrolled ||
        this is FieldVisitException.Revoked ||
        this is FieldVisitException.EnrollmentRefused
