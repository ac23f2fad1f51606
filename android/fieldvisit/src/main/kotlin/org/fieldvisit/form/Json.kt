package org.fieldvisit.form

/**
 * A small JSON reader and writer for the texts the core exchanges (templates, answers, evaluations).
 * Pure Kotlin so that the form state runs and is tested on any JVM, without Android's org.json.
 * Objects keep their key order.
 */
sealed interface Json {
    data class Obj(val fields: LinkedHashMap<String, Json>) : Json {
        operator fun get(key: String): Json? = fields[key]
    }
    data class Arr(val items: List<Json>) : Json
    data class Str(val value: String) : Json
    data class Num(val text: String) : Json {
        val asDouble: Double get() = text.toDouble()
        val asLongOrNull: Long? get() = text.toLongOrNull()
    }
    data class Bool(val value: Boolean) : Json
    data object Null : Json

    /** Compact JSON text. */
    fun encode(): String = StringBuilder().also { write(it) }.toString()

    fun write(out: StringBuilder) {
        when (this) {
            is Obj -> {
                out.append('{')
                fields.entries.forEachIndexed { i, (k, v) ->
                    if (i > 0) out.append(',')
                    writeString(out, k)
                    out.append(':')
                    v.write(out)
                }
                out.append('}')
            }
            is Arr -> {
                out.append('[')
                items.forEachIndexed { i, v ->
                    if (i > 0) out.append(',')
                    v.write(out)
                }
                out.append(']')
            }
            is Str -> writeString(out, value)
            is Num -> out.append(text)
            is Bool -> out.append(value)
            Null -> out.append("null")
        }
    }

    companion object {
        /** Parses one JSON value; throws [IllegalArgumentException] with the position on bad input. */
        fun parse(text: String): Json {
            val p = Parser(text)
            val v = p.value()
            p.skipSpace()
            require(p.pos == text.length) { "trailing characters at ${p.pos}" }
            return v
        }

        fun str(s: String): Json = Str(s)
        fun num(n: Number): Json = Num(n.toString())
        fun arr(items: List<Json>): Json = Arr(items)
        fun obj(vararg pairs: Pair<String, Json>): Obj = Obj(linkedMapOf(*pairs))

        private fun writeString(out: StringBuilder, s: String) {
            out.append('"')
            for (c in s) {
                when (c) {
                    '"' -> out.append("\\\"")
                    '\\' -> out.append("\\\\")
                    '\n' -> out.append("\\n")
                    '\r' -> out.append("\\r")
                    '\t' -> out.append("\\t")
                    else -> if (c < ' ') out.append("\\u%04x".format(c.code)) else out.append(c)
                }
            }
            out.append('"')
        }
    }

    private class Parser(val s: String) {
        var pos = 0

        fun skipSpace() {
            while (pos < s.length && s[pos].isWhitespace()) pos++
        }

        fun value(): Json {
            skipSpace()
            require(pos < s.length) { "unexpected end at $pos" }
            return when (val c = s[pos]) {
                '{' -> obj()
                '[' -> arr()
                '"' -> Str(string())
                't' -> literal("true", Bool(true))
                'f' -> literal("false", Bool(false))
                'n' -> literal("null", Null)
                else -> if (c == '-' || c.isDigit()) number() else throw IllegalArgumentException("unexpected '$c' at $pos")
            }
        }

        fun literal(word: String, v: Json): Json {
            require(s.startsWith(word, pos)) { "bad literal at $pos" }
            pos += word.length
            return v
        }

        fun number(): Json {
            val start = pos
            while (pos < s.length && (s[pos].isDigit() || s[pos] in "+-.eE")) pos++
            val text = s.substring(start, pos)
            require(text.toDoubleOrNull() != null) { "bad number at $start" }
            return Num(text)
        }

        fun string(): String {
            pos++ // opening quote
            val out = StringBuilder()
            while (true) {
                require(pos < s.length) { "unterminated string" }
                val c = s[pos++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> {
                        require(pos < s.length) { "unterminated escape" }
                        when (val e = s[pos++]) {
                            'n' -> out.append('\n')
                            't' -> out.append('\t')
                            'r' -> out.append('\r')
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000c')
                            'u' -> {
                                require(pos + 4 <= s.length) { "bad unicode escape at $pos" }
                                out.append(s.substring(pos, pos + 4).toInt(16).toChar())
                                pos += 4
                            }
                            else -> out.append(e)
                        }
                    }
                    else -> out.append(c)
                }
            }
        }

        fun arr(): Json {
            pos++
            val items = mutableListOf<Json>()
            skipSpace()
            if (pos < s.length && s[pos] == ']') { pos++; return Arr(items) }
            while (true) {
                items.add(value())
                skipSpace()
                require(pos < s.length) { "unterminated array" }
                when (s[pos++]) {
                    ',' -> continue
                    ']' -> return Arr(items)
                    else -> throw IllegalArgumentException("expected , or ] at ${pos - 1}")
                }
            }
        }

        fun obj(): Json {
            pos++
            val fields = LinkedHashMap<String, Json>()
            skipSpace()
            if (pos < s.length && s[pos] == '}') { pos++; return Obj(fields) }
            while (true) {
                skipSpace()
                require(pos < s.length && s[pos] == '"') { "expected a key at $pos" }
                val key = string()
                skipSpace()
                require(pos < s.length && s[pos] == ':') { "expected : at $pos" }
                pos++
                fields[key] = value()
                skipSpace()
                require(pos < s.length) { "unterminated object" }
                when (s[pos++]) {
                    ',' -> continue
                    '}' -> return Obj(fields)
                    else -> throw IllegalArgumentException("expected , or } at ${pos - 1}")
                }
            }
        }
    }
}
