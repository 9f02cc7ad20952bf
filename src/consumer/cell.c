/* cell: display width, escaping and cutting of terminal text (see cell.h). */
#include "cell.h"

#include "ktrio/utf8.h"

typedef struct range {
	uint32_t first, last;
} range;

/* Combining marks and zero-width characters of the common scripts. */
static const range zero_width[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902}, {0x093A, 0x093A},
	{0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
	{0x0962, 0x0963}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},
	{0x0E47, 0x0E4E}, {0x1160, 0x11FF}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
	{0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F},
	{0x20D0, 0x20F0}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xD7B0, 0xD7FF}, {0xFE00, 0xFE0F},
	{0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
	{0xE0100, 0xE01EF},
};

/* Wide and fullwidth East Asian characters, and emoji shown as pictures. */
static const range wide[] = {
	{0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
	{0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
	{0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
	{0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
	{0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
	{0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
	{0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
	{0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x3029},
	{0x302E, 0x303E},   {0x3041, 0x3098},   {0x309B, 0x33FF},   {0x3400, 0x4DFF},
	{0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF},
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
	{0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
	{0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
	{0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
	{0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DD, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC},
	{0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF},
	{0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool in(const range *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > r[mid].last)
			lo = mid + 1;
		else if (cp < r[mid].first)
			hi = mid;
		else
			return true;
	}
	return false;
}

#define COUNT(a) (sizeof a / sizeof *a)

int kt_cell_char_width(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (in(zero_width, COUNT(zero_width), cp))
		return 0;
	return in(wide, COUNT(wide), cp) ? 2 : 1;
}

size_t kt_cell_next(const char *s, size_t avail, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = kt_utf8_sequence(s, avail);
	if (n == 0) {
		*cp = UINT32_MAX;
		return 1;
	}
	static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
	uint32_t c = u[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++)
		c = (c << 6) | (u[i] & 0x3F);
	*cp = c;
	return n;
}

bool kt_cell_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

bool kt_cell_has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F) {
			i++;
			continue;
		}
		uint32_t cp;
		i += kt_cell_next(s + i, n - i, &cp);
		if (cp == UINT32_MAX || kt_cell_is_control(cp))
			return true;
	}
	return false;
}

void kt_cell_escape(kt_emit *e, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = kt_cell_next(s + i, n - i, &cp);
		if (cp != UINT32_MAX && !kt_cell_is_control(cp)) {
			kt_emit_bytes(e, s + i, len);
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			kt_emit_char(e, '\\');
			kt_emit_char(e, cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
		} else if (cp == UINT32_MAX) {
			unsigned char b = (unsigned char)s[i];
			char esc[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
			kt_emit_bytes(e, esc, 4);
		} else {
			char esc[6] = {'\\', 'u', hex[cp >> 12], hex[(cp >> 8) & 15],
				       hex[(cp >> 4) & 15], hex[cp & 15]};
			kt_emit_bytes(e, esc, 6);
		}
		i += len;
	}
}

int kt_cell_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += kt_cell_next(s + i, n - i, &cp);
		w += cp == UINT32_MAX ? 1 : kt_cell_char_width(cp);
	}
	return w;
}

size_t kt_cell_head(const char *s, size_t n, int width)
{
	int w = 0;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t len = kt_cell_next(s + i, n - i, &cp);
		int cw = cp == UINT32_MAX ? 1 : kt_cell_char_width(cp);
		if (w + cw > width)
			break;
		w += cw;
		i += len;
	}
	/* Marks always fit (width 0), so the loop stops on a character
	 * of width 1 or 2: the cut never parts a mark from its base. */
	return i;
}

size_t kt_cell_tail(const char *s, size_t n, int width)
{
	int w = 0;
	size_t start = n;
	while (start > 0) {
		size_t i = start - 1;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && start - i < 4)
			i--;
		uint32_t cp;
		size_t len = kt_cell_next(s + i, start - i, &cp);
		if (i + len != start) /* not a whole character: one byte */
			i = start - 1, cp = UINT32_MAX;
		int cw = cp == UINT32_MAX ? 1 : kt_cell_char_width(cp);
		if (w + cw > width)
			break;
		w += cw;
		start = i;
	}
	/* Never begin on a combining mark: drop marks whose base is cut. */
	while (start < n) {
		uint32_t cp;
		size_t len = kt_cell_next(s + start, n - start, &cp);
		if (cp == UINT32_MAX || kt_cell_char_width(cp) != 0)
			break;
		start += len;
	}
	return start;
}

int kt_cell_cut(kt_emit *e, const char *s, size_t n, int width)
{
	int w = kt_cell_width(s, n);
	if (w <= width) {
		kt_emit_bytes(e, s, n);
		return w;
	}
	size_t head = kt_cell_head(s, n, width - 1);
	kt_emit_bytes(e, s, head);
	kt_emit_bytes(e, KT_CELL_CUT, KT_CELL_CUT_LEN);
	return kt_cell_width(s, head) + 1;
}

int kt_cell_cut_middle(kt_emit *e, const char *s, size_t n, int width)
{
	int w = kt_cell_width(s, n);
	if (w <= width) {
		kt_emit_bytes(e, s, n);
		return w;
	}
	int tail_width = (width - 1) / 3;
	if (tail_width > 12)
		tail_width = 12;
	size_t tail = kt_cell_tail(s, n, tail_width);
	int tw = kt_cell_width(s + tail, n - tail);
	size_t head = kt_cell_head(s, tail, width - 1 - tw);
	kt_emit_bytes(e, s, head);
	kt_emit_bytes(e, KT_CELL_CUT, KT_CELL_CUT_LEN);
	kt_emit_bytes(e, s + tail, n - tail);
	return kt_cell_width(s, head) + 1 + tw;
}
