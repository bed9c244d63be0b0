/*
 * fuzz_registry: the loader's CSV reader and row validators (outside bytes:
 * the registry, categories and reasons files), and the packed record
 * decoder (bytes read back from Redis).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load_csv.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct load_csv_row row;
	struct load_csv csv;
	struct registry_rec rec, back;
	struct load_csv_cat cat;
	struct load_csv_reason rsn;
	unsigned char packed[256];
	char err[256];
	int n, rows = 0;

	load_csv_init(&csv, (const char *)data, size);
	while ((n = load_csv_next(&csv, &row, err, sizeof(err))) != 0) {
		if (++rows > 10000)
			break;
		if (n < 0)
			continue;
		load_csv_check_header(&row, load_csv_cols_registry, err, sizeof(err));
		if (load_csv_parse_person(&row, &rec, err, sizeof(err)) == 0) {
			/* A valid row must survive packing unchanged. */
			int len = registry_pack(&rec, packed, sizeof(packed));

			if (len < 0 || registry_unpack(packed, (size_t)len, &back) != 0)
				abort();
		}
		load_csv_parse_category(&row, &cat, err, sizeof(err));
		load_csv_parse_reason(&row, &rsn, err, sizeof(err));
	}
	registry_unpack(data, size, &rec);
	return 0;
}
