package org.fieldvisit.android

import android.content.Context
import java.io.File
import uniffi.fieldvisit_ffi.FieldVisitStore

/**
 * Opens the app's store: `files/fieldvisit/phone.db` with the Keystore-wrapped master key. The
 * returned [FieldVisitStore] is `AutoCloseable` and throws `FieldVisitException` subclasses
 * (`WrongKey`, `KeyUnavailable`, `InvalidInput(item, reason)`, `Incomplete(problems)`, `Sealed`, …).
 * Call it and every store method from a background thread: the core is synchronous.
 */
object FieldVisit {
    fun open(context: Context): FieldVisitStore {
        val dir = File(context.filesDir, "fieldvisit").apply { mkdirs() }
        return FieldVisitStore.open(File(dir, "phone.db").path, KeystoreKeyProvider(context))
    }

    /** The station's server, as set at enrollment (null before). */
    fun serverUrl(context: Context): String? =
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).getString(KEY_SERVER, null)

    /** Remembers the server the phone enrolled with; the sync worker and screen use it. */
    fun setServerUrl(context: Context, url: String) {
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit().putString(KEY_SERVER, url.trim()).apply()
    }

    private const val PREFS = "fieldvisit"
    private const val KEY_SERVER = "server_url"
}
