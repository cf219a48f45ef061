/* sp_embedded.h: files compiled into the binary (migrations, catalogue seed, statements). */
#ifndef SP_EMBEDDED_H
#define SP_EMBEDDED_H

#include <stddef.h>

typedef struct sp_embedded_file {
    const char *name; /* file name without folder; NULL ends the array */
    const char *data; /* the bytes, followed by a NUL */
    size_t len;
} sp_embedded_file_t;

/* The migrations of schemas/sql in name order, the files of schemas/catalogue, and the
 * load stage's statements (load/sql). */
extern const sp_embedded_file_t sp_embedded_migrations[];
extern const sp_embedded_file_t sp_embedded_catalogue[];
extern const sp_embedded_file_t sp_embedded_load_sql[];

/* The file called name in files, or NULL. */
const sp_embedded_file_t *sp_embedded_find(const sp_embedded_file_t *files, const char *name);

#endif
