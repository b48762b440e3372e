/*
 * fmt.c: a small vsnprintf for L0 (see fmt.h for the subset). No hardware, no libc calls.
 */
#include "l0/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, including those that did not fit */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;
	bool zero;
	int width;
	int precision; /* -1: none */
	int length;    /* in bytes of the argument: 1, 2, 4 or 8 */
	char conv;
};

/* Emits text of n characters with the spec's width and alignment. */
static void emit_padded(struct out *o, const struct spec *s, const char *text, int n)
{
	int fill = s->width > n ? s->width - n : 0;

	if (!s->left)
		pad(o, ' ', fill);
	for (int i = 0; i < n; i++)
		put(o, text[i]);
	if (s->left)
		pad(o, ' ', fill);
}

static void emit_number(struct out *o, const struct spec *s, uint64_t mag, bool negative)
{
	char digits[24];
	unsigned base = 10;
	const char *set = "0123456789abcdef";
	int n = 0;

	if (s->conv == 'x' || s->conv == 'p')
		base = 16;
	else if (s->conv == 'X') {
		base = 16;
		set = "0123456789ABCDEF";
	} else if (s->conv == 'o')
		base = 8;

	do {
		digits[n++] = set[mag % base];
		mag /= base;
	} while (mag);

	int total = n + (negative ? 1 : 0) + (s->conv == 'p' ? 2 : 0);
	int fill = s->width > total ? s->width - total : 0;

	if (!s->left && !s->zero)
		pad(o, ' ', fill);
	if (negative)
		put(o, '-');
	if (s->conv == 'p') {
		put(o, '0');
		put(o, 'x');
	}
	if (!s->left && s->zero)
		pad(o, '0', fill);
	while (n)
		put(o, digits[--n]);
	if (s->left)
		pad(o, ' ', fill);
}

static const char *parse_spec(const char *f, struct spec *s, va_list *ap)
{
	*s = (struct spec){ .precision = -1, .length = sizeof(int) };

	for (;; f++) {
		if (*f == '-')
			s->left = true;
		else if (*f == '0')
			s->zero = true;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = true;
			s->width = -s->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		s->width = s->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		s->precision = 0;
		if (*f == '*') {
			s->precision = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			s->precision = s->precision * 10 + (*f++ - '0');
	}
	for (;; f++) {
		if (*f == 'h')
			s->length = s->length == 2 ? 1 : 2;
		else if (*f == 'l' || *f == 'j')
			s->length = 8;
		else if (*f == 'z' || *f == 't')
			s->length = sizeof(size_t);
		else
			break;
	}
	s->conv = *f;
	return f;
}

static void emit_arg(struct out *o, const struct spec *s, va_list *ap)
{
	switch (s->conv) {
	case 'd':
	case 'i': {
		int64_t v = s->length == 8 ? va_arg(*ap, int64_t) : va_arg(*ap, int);

		if (s->length == 1)
			v = (int8_t)v;
		else if (s->length == 2)
			v = (int16_t)v;
		emit_number(o, s, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
		return;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o': {
		uint64_t v = s->length == 8 ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);

		if (s->length == 1)
			v = (uint8_t)v;
		else if (s->length == 2)
			v = (uint16_t)v;
		emit_number(o, s, v, false);
		return;
	}
	case 'p':
		emit_number(o, s, (uintptr_t)va_arg(*ap, void *), false);
		return;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		emit_padded(o, s, &c, 1);
		return;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		int n = 0;

		if (!str)
			str = "(null)";
		while (str[n] && (s->precision < 0 || n < s->precision))
			n++;
		emit_padded(o, s, str, n);
		return;
	}
	default: /* '%' and anything unknown are printed as they stand */
		put(o, s->conv ? s->conv : '%');
		return;
	}
}

int l0_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	va_list args;

	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec s;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &s, &args);
		if (!*f)
			break;
		emit_arg(&o, &s, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int l0_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = l0_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
