/* json: a strict RFC 8259 parser that builds cJSON trees in caller memory.
 *
 * Why not cJSON_Parse: the consumer parses every record, and with nodes
 * already in an arena cJSON's own parser was still 60 % of its CPU: three
 * strncmp calls per value looking for null/true/false, a localeconv and a
 * strtod per number. This one dispatches on the first byte, reads numbers
 * of up to 15 significant digits exactly without strtod (Clinger's fast
 * path; longer ones still go to strtod), copies the text once and decodes
 * strings in place in that copy, and allocates through a bump allocator the
 * caller gives. A 210-byte event takes about 250 ns, UTF-8 check included
 * (cJSON_ParseWithLength with malloc: about 790 ns). The trees are ordinary
 * cJSON trees, read with cJSON's own accessors; they are never passed to
 * cJSON_Delete. */
#ifndef KTRIO_JSON_H
#define KTRIO_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Where the copy of the text and the nodes come from: n bytes, 8-byte
 * aligned, or NULL when out of memory (the parse then fails). Nothing is
 * ever freed one by one. */
typedef void *(*kt_json_alloc_fn)(void *ctx, size_t n);

/* Parse the JSON text s[0..len): one value, optionally surrounded by
 * whitespace (space, tab, CR, LF). Returns the root, or NULL when the text
 * is not JSON, nests deeper than CJSON_NESTING_LIMIT, or alloc failed;
 * what was allocated before a failure is the caller's to drop.
 *
 * Stricter than cJSON where RFC 8259 is: numbers follow the JSON grammar
 * (no "+1", "01", ".5", "1."), control characters must be escaped inside
 * strings, and only the four JSON whitespace characters count as such.
 * Strings must be well-formed UTF-8 (cJSON takes any bytes); outside them
 * JSON is ASCII, so an accepted text is valid UTF-8 as a whole. Like cJSON
 * it keeps duplicate keys; numbers beyond double range become +-inf.
 *
 * Two things cJSON trees do not hold, kept where cJSON leaves room:
 * - a string's length in bytes in its valueint (strings may hold NULs,
 *   written \u0000; valuestring is still NUL-terminated);
 * - for an integer written without fraction or exponent whose magnitude is
 *   2^53 or more (not every such integer is a double), its exact text in
 *   the number's valuestring, e.g. "1234567890123456099"; NULL for every
 *   other number, whose valuedouble is exact. */
cJSON *kt_json_parse(const char *s, size_t len, kt_json_alloc_fn alloc, void *ctx);

/* Whether the root object's member named key (NUL-terminated; len bytes,
 * NULs from \u0000 included) goes into the tree: its tag, 0 up to
 * KT_JSON_MAX_TAG, or -1 to leave it out. The key's first 8 bytes may be
 * read whatever len is (the parser's copy of the text is padded): a name
 * can be compared a word at a time. */
typedef int (*kt_json_keep_fn)(void *keep_ctx, const char *key, size_t len);

#define KT_JSON_MAX_TAG 254

/* As kt_json_parse, but a member of the root object that keep (not NULL)
 * refuses is left out of the tree: it is checked just as strictly (its
 * strings' escapes and UTF-8, numbers by the grammar, nesting depth), so
 * the same texts fail, but no node is made for it. A consumer reading a
 * few fields of wide records skips the building of the rest, and finds
 * what each kept member is for by its tag instead of comparing its name
 * again (kt_json_member_tag). */
cJSON *kt_json_parse_some(const char *s, size_t len, kt_json_alloc_fn alloc, void *ctx,
			  kt_json_keep_fn keep, void *keep_ctx);

/* The tag keep gave the root member n, or -1: a node of a tree parsed
 * without keep, below the root, or not from this parser. The tag lives in
 * bits 16..23 of n->type, which cJSON leaves alone (its accessors read the
 * low byte; 256 and 512 are its flags). */
static inline int kt_json_member_tag(const cJSON *n)
{
	return (int)((unsigned)n->type >> 16 & 0xFF) - 1;
}

/* How many bytes at the start of s[0..n) a JSON string holds as they are:
 * up to the first '"', '\\' or control character (UTF-8 passes as is). For
 * writers: copy that run, escape one byte, go on. */
size_t kt_json_plain_run(const char *s, size_t n);

#endif
