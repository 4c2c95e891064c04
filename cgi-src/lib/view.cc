// view.cc: the single bridge from C to Google ctemplate (see view.h).
// Nothing else in the project includes a ctemplate header.  Every entry
// point catches every exception, because an exception crossing into C is
// undefined behaviour.
#include <cstring>
#include <fstream>
#include <new>
#include <string>

#include <ctemplate/template.h>

#include "base.h"
#include "view.h"

using ctemplate::TemplateDictionary;
using ctemplate::TemplateString;

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
	try {
		return vd(new TemplateDictionary("root"));
	} catch (...) {
		return NULL;
	}
}

extern "C" void
view_dict_free(struct view_dict *d)
{
	delete td(d);
}

extern "C" int
view_setn(struct view_dict *d, const char *key, const char *value, size_t len)
{
	try {
		td(d)->SetValue(key, TemplateString(value, len));
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
		return vd(td(d)->AddSectionDictionary(section));
	} catch (...) {
		return NULL;
	}
}

extern "C" struct view_dict *
view_include(struct view_dict *d, const char *name, const char *file)
{
	try {
		TemplateDictionary *child = td(d)->AddIncludeDictionary(name);
		child->SetFilename(file);
		return vd(child);
	} catch (...) {
		return NULL;
	}
}

extern "C" int
view_render(const char *file, const struct view_dict *d, struct buf *out)
{
	try {
		std::string s;

		if (!ctemplate::ExpandTemplate(file,
		    ctemplate::STRIP_BLANK_LINES,
		    reinterpret_cast<const TemplateDictionary *>(d), &s)) {
			LOG_ERR("template %s does not expand", file);
			return -1;
		}
		return buf_append(out, s.data(), s.size());
	} catch (...) {
		LOG_ERR("exception while expanding %s", file);
		return -1;
	}
}
