/*
 * view.h: the C face of the template engine (Google ctemplate).  Plain C, one
 * opaque type; view.cc is the only C++ in the project and the only file that
 * includes ctemplate (docs/CONTRIBUTING.md §10).  Every call catches every C++
 * exception and reports -1 / NULL instead.
 *
 * Dictionaries form a tree.  Only a root (view_dict_new) is freed, with
 * view_dict_free; section and include dictionaries belong to their parent.
 */
#ifndef VIEW_H
#define VIEW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct buf;
struct view_dict;

/*
 * Loads every named template from dir, then freezes the cache so nothing
 * is read from disk again.  Fails (-1, logged) if any one does not load or
 * lacks its auto-escape pragma.
 */
int	 view_load(const char *dir, const char *const *names, size_t n);

struct view_dict *view_dict_new(void);			/* NULL if no memory */
void	 view_dict_free(struct view_dict *);	/* roots only; NULL-safe */
int	 view_set(struct view_dict *, const char *key, const char *value);
int	 view_setn(struct view_dict *, const char *key, const char *value,
	    size_t len);
int	 view_set_int(struct view_dict *, const char *key, long value);
void	 view_show(struct view_dict *, const char *section);
/* A new dictionary for one repetition of a section; owned by d. */
struct view_dict *view_section(struct view_dict *d, const char *section);
/* Fills the {{>name}} include with template file; owned by d. */
struct view_dict *view_include(struct view_dict *d, const char *name,
	    const char *file);
/* Expands template file with d, appending the output to out.  0 / -1. */
int	 view_render(const char *file, const struct view_dict *d,
	    struct buf *out);

#ifdef __cplusplus
}
#endif

#endif /* VIEW_H */
