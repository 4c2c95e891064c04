// view.cc: the single bridge from C to Google ctemplate (see view.h).
// Nothing else in the project includes a ctemplate header.  Every entry
// point catches every exception, because an exception crossing into C is
// undefined behaviour.
//
// A page may show her answers back (a 422) or an administrator's data, so
// nothing a page holds may stay in freed memory (docs/THREAT-MODEL.md,
// threat 15): a value is copied into a block the bridge wipes, never
// into ctemplate's arena (which frees with plain free()); the page is
// expanded straight into the caller's struct buf; and the process's global
// operator new/delete are replaced here, so every std::string and every
// other C++ heap block, libctemplate's and libstdc++'s included, is wiped
// before it is freed.
#include <malloc.h>
#include <sodium.h>
#include <stdlib.h>

#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include <ctemplate/template.h>
#include <ctemplate/template_emitter.h>

#include "base.h"
#include "view.h"

using ctemplate::TemplateDictionary;
using ctemplate::TemplateString;

// ---- The global allocation functions (replaceable, [new.delete]) ----
//
// Every delete wipes the whole block (malloc_usable_size: what the
// allocator hands out, not only what was asked for) before free().
// Worth its cost: a page is a few kB, and the pools' hot paths are C.

void *
operator new(std::size_t n)
{
	void	*p;

	while ((p = malloc(n != 0 ? n : 1)) == NULL) {
		std::new_handler h = std::get_new_handler();

		if (h == NULL)
			throw std::bad_alloc();
		h();
	}
	return p;
}

void *
operator new[](std::size_t n)
{
	return ::operator new(n);
}

void *
operator new(std::size_t n, const std::nothrow_t &) noexcept
{
	try {
		return ::operator new(n);
	} catch (...) {
		return NULL;
	}
}

void *
operator new[](std::size_t n, const std::nothrow_t &) noexcept
{
	return ::operator new(n, std::nothrow);
}

void
operator delete(void *p) noexcept
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void
operator delete[](void *p) noexcept
{
	::operator delete(p);
}

void
operator delete(void *p, const std::nothrow_t &) noexcept
{
	::operator delete(p);
}

void
operator delete[](void *p, const std::nothrow_t &) noexcept
{
	::operator delete(p);
}

// The sized forms (C++14), which libctemplate and libstdc++ call.
void
operator delete(void *p, std::size_t) noexcept
{
	::operator delete(p);
}

void
operator delete[](void *p, std::size_t) noexcept
{
	::operator delete(p);
}

// ---- Values kept out of ctemplate's arena ----
//
// SetValue() copies a value into the dictionary's arena, whose blocks
// libctemplate frees with plain free().  Instead each value is copied
// into a block of the bridge's own and given to ctemplate with
// SetValueWithoutCopy(); the copies belong to the root dictionary and are
// wiped when it is freed.  owner maps every dictionary the bridge made
// (roots, sections, includes) to its root's copies.  A worker is one
// thread, and so is vawgctl, which renders nothing.

namespace {

struct copies {
	std::vector<std::pair<char *, size_t> >	 v;
};

std::unordered_map<const void *, copies *>	 owner;

void
copies_free(copies *c)
{
	for (auto &x : c->v) {
		sodium_memzero(x.first, x.second);
		delete[] x.first;
	}
	delete c;
}

// Emits into a struct buf (buf.c wipes what it held), never a string.
class buf_emitter : public ctemplate::ExpandEmitter {
	struct buf	*out_;
 public:
	int		 failed;

	explicit buf_emitter(struct buf *out) : out_(out), failed(0) {}
	void Emit(char c) { Emit(&c, 1); }
	void Emit(const std::string &s) { Emit(s.data(), s.size()); }
	void Emit(const char *s) { Emit(s, strlen(s)); }
	void Emit(const char *s, size_t n) {
		if (buf_append(out_, s, n) == -1)
			failed = 1;
	}
};

}	// namespace

struct view_dict {
	// Never instantiated: a view_dict * is a TemplateDictionary *.
	char unused;
};

static TemplateDictionary *
td(struct view_dict *d)
{
	return reinterpret_cast<TemplateDictionary *>(d);
}

static struct view_dict *
vd(TemplateDictionary *d)
{
	return reinterpret_cast<struct view_dict *>(d);
}

extern "C" int
view_load(const char *dir, const char *const *names, size_t n)
{
	try {
		ctemplate::TemplateCache *cache =
		    ctemplate::mutable_default_template_cache();
		cache->SetTemplateRootDirectory(dir);
		for (size_t i = 0; i < n; i++) {
			// Without the pragma ctemplate escapes nothing
			// (docs/CONTRIBUTING.md §9): refuse to start rather
			// than serve it.
			std::ifstream f(std::string(dir) + "/" + names[i]);
			std::string first;
			if (!std::getline(f, first) ||
			    first.rfind("{{%AUTOESCAPE context=", 0) != 0) {
				LOG_ERR("template %s/%s lacks the AUTOESCAPE "
				    "pragma on its first line", dir, names[i]);
				return -1;
			}
			if (!cache->LoadTemplate(names[i],
			    ctemplate::STRIP_BLANK_LINES)) {
				LOG_ERR("template %s/%s does not load", dir,
				    names[i]);
				return -1;
			}
		}
		cache->Freeze();
		return 0;
	} catch (...) {
		LOG_ERR("exception while loading templates");
		return -1;
	}
}

extern "C" struct view_dict *
view_dict_new(void)
{
	TemplateDictionary	*d = NULL;
	copies			*c = NULL;

	try {
		d = new TemplateDictionary("root");
		c = new copies;
		owner[d] = c;
		return vd(d);
	} catch (...) {
		delete d;
		delete c;
		return NULL;
	}
}

extern "C" void
view_dict_free(struct view_dict *d)
{
	if (d == NULL)
		return;
	auto root = owner.find(td(d));
	copies *c = root == owner.end() ? NULL : root->second;

	delete td(d);
	if (c == NULL)
		return;
	for (auto i = owner.begin(); i != owner.end();)
		i = i->second == c ? owner.erase(i) : std::next(i);
	copies_free(c);
}

extern "C" int
view_setn(struct view_dict *d, const char *key, const char *value, size_t len)
{
	char	*copy = NULL;

	try {
		copies *c = owner.at(td(d));

		c->v.reserve(c->v.size() + 1);
		copy = new char[len + 1];
		memcpy(copy, value, len);
		copy[len] = '\0';
		c->v.push_back(std::make_pair(copy, len + 1));
		td(d)->SetValueWithoutCopy(key, TemplateString(copy, len));
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" int
view_set(struct view_dict *d, const char *key, const char *value)
{
	return view_setn(d, key, value, strlen(value));
}

extern "C" int
view_set_int(struct view_dict *d, const char *key, long value)
{
	try {
		td(d)->SetIntValue(key, value);
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" void
view_show(struct view_dict *d, const char *section)
{
	try {
		td(d)->ShowSection(section);
	} catch (...) {
	}
}

extern "C" struct view_dict *
view_section(struct view_dict *d, const char *section)
{
	try {
		copies *c = owner.at(td(d));
		TemplateDictionary *child = td(d)->AddSectionDictionary(section);

		owner[child] = c;
		return vd(child);
	} catch (...) {
		return NULL;
	}
}

extern "C" struct view_dict *
view_include(struct view_dict *d, const char *name, const char *file)
{
	try {
		copies *c = owner.at(td(d));
		TemplateDictionary *child = td(d)->AddIncludeDictionary(name);

		owner[child] = c;
		child->SetFilename(file);
		return vd(child);
	} catch (...) {
		return NULL;
	}
}

extern "C" int
view_render(const char *file, const struct view_dict *d, struct buf *out)
{
	size_t	 at = out->len;

	try {
		buf_emitter e(out);

		if (!ctemplate::ExpandTemplate(file,
		    ctemplate::STRIP_BLANK_LINES,
		    reinterpret_cast<const TemplateDictionary *>(d), &e) ||
		    e.failed) {
			LOG_ERR("template %s does not expand", file);
			buf_truncate(out, at);
			return -1;
		}
		return 0;
	} catch (...) {
		buf_truncate(out, at);
		LOG_ERR("exception while expanding %s", file);
		return -1;
	}
}
