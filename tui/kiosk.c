/* kiosk: the full-screen program at the counter. This first version does the
 * start-up every later screen relies on: it loads and cross-checks the
 * configuration, opens (or creates) the database with its audit chain, and
 * shows the catalogue of services on an ncursesw screen. The clerk's case
 * screens (login, home, case workflow) are built on this in tui/ next.
 * Options: --config DIR, --data-dir DIR, --demo (trainer mode: a separate
 * data directory, never the real database), --check (start-up checks only). */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/config.h"
#include "core/strings.h"
#include "db/db.h"
#include "forms/config_check.h"

typedef struct kiosk_opts {
	const char *config_dir;
	const char *data_dir;
	int demo;
	int check_only;
} kiosk_opts;

static int usage(void)
{
	fprintf(stderr, "usage: kiosk [--config DIR] [--data-dir DIR] [--demo] [--check]\n");
	return 2;
}

static int parse(int argc, char **argv, kiosk_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--demo") == 0)
			o->demo = 1;
		else if (strcmp(argv[i], "--check") == 0)
			o->check_only = 1;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			o->config_dir = argv[++i];
		else if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
			o->data_dir = argv[++i];
		else
			return -1;
	}
	return 0;
}

static void show_catalog(const catalog *cat, const kiosk_config *cfg, const strings *str,
			 const char *db_path)
{
	lang lg = cfg->language;
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	for (;;) {
		erase();
		int row = 0;
		attron(A_REVERSE);
		mvhline(row, 0, ' ', COLS);
		mvprintw(row++, 1, "%s  %s %d  %s", cfg->site, strings_get(str, "app.window") ?
			 strings_get(str, "app.window") : "window", cfg->window, cfg->kiosk_id);
		attroff(A_REVERSE);
		row++;
		for (size_t p = 0; p < cat->n_platforms && row < LINES - 2; p++) {
			const platform *pl = &cat->platforms[p];
			attron(A_BOLD);
			mvprintw(row++, 1, "%s", pl->name[lg]);
			attroff(A_BOLD);
			for (size_t s = 0; s < cat->n_services && row < LINES - 2; s++)
				if (cat->services[s].platform == pl)
					mvprintw(row++, 3, "%-16s %s", cat->services[s].id,
						 cat->services[s].label[lg]);
			row++;
		}
		attron(A_REVERSE);
		mvhline(LINES - 1, 0, ' ', COLS);
		mvprintw(LINES - 1, 1, "%s   q: %s", db_path,
			 strings_get(str, "app.quit") ? strings_get(str, "app.quit") : "quit");
		attroff(A_REVERSE);
		refresh();
		int ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
	}
	endwin();
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	kiosk_opts o;
	if (parse(argc, argv, &o) != 0)
		return usage();
	const char *dir = config_default_dir(o.config_dir);
	kerr err = { 0 };
	char msg[1024];
	config_summary sum;
	if (config_check_dir(dir, &sum, &err) != 0) {
		fprintf(stderr, "kiosk: configuration: %s\n", kerr_text(&err, msg, sizeof msg));
		return 2;
	}
	kiosk_config *cfg = config_load(dir, &err);
	catalog *cat = cfg ? catalog_load(dir, &err) : NULL;
	strings *str = cat ? strings_load(dir, cfg->language, &err) : NULL;
	if (!str) {
		fprintf(stderr, "kiosk: %s\n", kerr_text(&err, msg, sizeof msg));
		catalog_free(cat);
		config_free(cfg);
		return 2;
	}
	/* Demo mode never touches the real database: its own directory and file. */
	char db_path[1024];
	const char *data = o.data_dir ? o.data_dir : cfg->data_dir;
	if (o.demo)
		snprintf(db_path, sizeof db_path, "%s%s/demo.db", data, o.data_dir ? "" : "/demo");
	else if (o.data_dir)
		snprintf(db_path, sizeof db_path, "%s/kiosk.db", data);
	else
		snprintf(db_path, sizeof db_path, "%s", cfg->db_file);
	kdb *db = db_open(db_path, cfg->kiosk_id, DB_OPEN_CREATE, &err);
	int rc = 0;
	if (!db) {
		fprintf(stderr, "kiosk: %s\n", kerr_text(&err, msg, sizeof msg));
		rc = 2;
	} else if (o.check_only) {
		printf("kiosk %s ready: config %s, database %s (schema %d)%s\n", cfg->kiosk_id, dir,
		       db_path, db_schema_version(db), o.demo ? ", demo mode" : "");
	} else {
		show_catalog(cat, cfg, str, db_path);
	}
	db_close(db);
	strings_free(str);
	catalog_free(cat);
	config_free(cfg);
	return rc;
}
