// The FieldVisit Android library: generated uniffi bindings (src/main/kotlin/uniffi, from
// scripts/gen-bindings.sh), the Kotlin wrapper and platform adapters, and the pure-Kotlin form state
// and view models. Native libraries come from cargo-ndk into src/main/jniLibs (see README.md).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.fieldvisit"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    sourceSets["main"].jniLibs.srcDirs("src/main/jniLibs")
}

dependencies {
    // uniffi's Kotlin loads the library through JNA; the @aar variant carries JNA's Android .so files.
    implementation("net.java.dev.jna:jna:5.15.0@aar")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
    // The suspend layer (org.fieldvisit.store) is part of the library's API.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
    implementation("com.google.android.gms:play-services-location:21.3.0")
    testImplementation(kotlin("test"))
}
