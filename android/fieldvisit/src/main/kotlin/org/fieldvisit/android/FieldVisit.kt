package org.fieldvisit.android

import android.content.Context
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.fieldvisit.store.SuspendingStore
import uniffi.fieldvisit_ffi.FieldVisitStore

/**
 * Opens the app's store: `files/fieldvisit/phone.db` with the Keystore-wrapped master key. The
 * store remembers the server it enrolled with (`serverUrl()`), so syncing needs no address. Errors
 * are `FieldVisitException` subclasses; `android/API.md` lists them with what to do about each.
 */
object FieldVisit {
    /** The store for coroutines: every call is `suspend` and runs on `Dispatchers.IO`. */
    suspend fun open(context: Context): SuspendingStore = withContext(Dispatchers.IO) { SuspendingStore(openBlocking(context)) }

    /** The blocking store, for code already on a background thread. It is `AutoCloseable`. */
    fun openBlocking(context: Context): FieldVisitStore {
        val dir = File(context.filesDir, "fieldvisit").apply { mkdirs() }
        return FieldVisitStore.open(File(dir, "phone.db").path, KeystoreKeyProvider(context))
    }
}
