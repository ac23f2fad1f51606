package org.fieldvisit.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.fieldvisit_ffi.KeyProvider
import uniffi.fieldvisit_ffi.KeyProviderException

/**
 * The store's 32-byte master key, wrapped by a non-exportable AES-256-GCM key in the Android
 * Keystore and kept in app-private storage (`files/fieldvisit/master.key`: 12-byte IV, then the
 * ciphertext). The first call makes both; later calls unwrap. The core asks once per open.
 */
class KeystoreKeyProvider(context: Context) : KeyProvider {
    private val file = File(context.filesDir, "fieldvisit/master.key")

    override fun masterKey(): ByteArray = try {
        if (file.exists()) unwrap(file.readBytes()) else create()
    } catch (e: KeyProviderException) {
        throw e
    } catch (e: Exception) {
        // The exception class only: its message may contain device details, never key bytes.
        throw KeyProviderException.Unavailable("Android Keystore: ${e.javaClass.simpleName}")
    }

    private fun create(): ByteArray {
        val master = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        val blob = cipher.iv + cipher.doFinal(master)
        file.parentFile?.mkdirs()
        val tmp = File(file.parentFile, "master.key.tmp")
        tmp.writeBytes(blob)
        check(tmp.renameTo(file)) { "could not store the wrapped key" }
        return master
    }

    private fun unwrap(blob: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, blob, 0, 12))
        return cipher.doFinal(blob, 12, blob.size - 12)
    }

    private fun wrappingKey(): SecretKey {
        val ks = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (ks.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        gen.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return gen.generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "fieldvisit-master-wrap"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
    }
}
