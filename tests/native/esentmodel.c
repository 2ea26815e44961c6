/*
 * esentmodel: a model of esent.dll for tests, over a real database folder (one the fixture writer made).
 *
 * It exports the esent.h entry points EseBackup calls, with their documented parameter types (WCHAR is
 * uint16_t, Windows "unsigned long"/"long" are 32 bits, JET_INSTANCE/JET_SESID/JET_HANDLE pointer-sized),
 * and answers as the engine does. Every behaviour names the engine function it was read from
 * (microsoft/Extensible-Storage-Engine, dev/ese/src/ese/backup.cxx unless said otherwise). What the model
 * leaves out: transactions and recovery replay (attach of a dirty database stands for soft recovery when
 * its required logs are present), page checksum verification on read and log segment verification (the
 * engine's I/O failures are injected with model_inject instead).
 *
 * The model also records every call (name, arguments, strings) so marshalling can be checked; the control
 * functions are prefixed model_.
 *
 * Built at test time: cc -shared -fPIC -o libesentmodel.so esentmodel.c
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int32_t JET_ERR;
typedef uintptr_t JET_API_PTR;
typedef uint16_t WCHAR;
typedef uint32_t ULONG; /* Windows unsigned long */
typedef int32_t LONG;   /* Windows long */

typedef struct { ULONG cbSize; ULONG ulGenLow; ULONG ulGenHigh; WCHAR szBaseName[4]; } JET_LOGINFO_W;
typedef struct { WCHAR *szDatabaseName; WCHAR *szNewDatabaseName; } JET_RSTMAP_W;

/* Error codes and bits: dev/ese/published/inc/jethdr.w. */
#define JET_errSuccess 0
#define JET_wrnDatabaseAttached 1007
#define JET_errBackupInProgress (-505)
#define JET_errLoggingDisabled (-516)
#define JET_errNoBackup (-520)
#define JET_errInvalidBackupSequence (-521)
#define JET_errInvalidBackup (-526)
#define JET_errMissingLogFile (-528)
#define JET_errCheckpointFileNotFound (-542)
#define JET_errDatabaseDirtyShutdown (-550)
#define JET_errMissingRestoreLogFiles (-557)
#define JET_errMissingFullBackup (-560)
#define JET_errMissingFileToBackup (-569)
#define JET_errLogFileNotCopied (-616)
#define JET_errBackupAbortByServer (-801)
#define JET_errInvalidGrbit (-900)
#define JET_errInvalidParameter (-1003)
#define JET_errOutOfMemory (-1011)
#define JET_errDiskIO (-1022)
#define JET_errNotInitialized (-1029)
#define JET_errAlreadyInitialized (-1030)
#define JET_errBufferTooSmall (-1038)
#define JET_errInstanceNameInUse (-1086)
#define JET_errInvalidSesid (-1104)
#define JET_errDirtyShutdown (-1116)
#define JET_errDatabaseNotFound (-1203)
#define JET_errPageSizeMismatch (-1213)
#define JET_errFileNotFound (-1811)

#define JET_bitBackupIncremental 0x1
#define JET_bitBackupEndNormal 0x1
#define JET_bitBackupEndAbort 0x2
#define JET_bitTermAbrupt 0x2
#define JET_bitTermStopBackup 0x4
#define JET_bitTermDirty 0x8

/* Database header offsets: DBFILEHDR in dev/ese/src/inc/daedef.hxx. */
#define HDR_STATE 52
#define HDR_SIGN_DB 24
#define HDR_SIGN_LOG 108
#define HDR_BK_FULL_PREV 136
#define HDR_BK_INC_PREV 160
#define HDR_BK_FULL_CUR 184
#define HDR_PAGE_SIZE 236
#define HDR_GEN_MIN_REQUIRED 296
#define HDR_GEN_MAX_REQUIRED 300
#define HDR_LOGTIME_GEN_MAX_CREATE 348
#define HDR_BK_TYPE_FULL_PREV 356
#define HDR_BK_TYPE_INC_PREV 360
#define HDR_GEN_MAX_COMMITTED 416
#define HDR_BK_COPY_PREV 420
#define HDR_BK_DIFF_PREV 444
#define HDR_BK_TYPE_COPY_PREV 468
#define HDR_BK_TYPE_DIFF_PREV 472
#define BKINFO_SIZE 24
#define DBSTATE_DIRTY 2
#define DBSTATE_CLEAN 3

/* PATCHHDR (dev/ese/src/inc/cpage.hxx): a 40-byte PGHDR, then these. */
#define PATCH_BKINFO 40
#define PATCH_SIGN_DB 64
#define PATCH_SIGN_LOG 92
#define PATCH_GEN_MIN_REQ 120
#define PATCH_GEN_MAX_REQ 124
#define PATCH_GEN_MAX_COMMITTED 128
#define PATCH_LOGTIME_MAX_REQ 132
#define PATCH_LOGTIME_MAX_COMMITTED 140

#define CPG_DB_RESERVED 2   /* cpgDBReserved: the header page and its shadow */
#define CRHF_MAX 1          /* crhfMax in daedef.hxx: one backup file open at a time */
#define MEMORY_PAGE 4096    /* OSMemoryPageCommitGranularity on Windows x86/x64 */
#define MAX_PATH_CHARS 1024
#define MAX_DBS 8
#define MAX_INSTANCES 16

/* ---- recording (for marshalling checks) ------------------------------------------------------- */

#define MAX_ENTRIES 96
#define MAX_ARGS 12
#define MAX_STRS 10
#define MAX_STR 1024
#define MAX_SEQUENCE 16384

typedef struct {
    char name[80];
    int used, count;
    uint64_t args[MAX_ARGS];
    int str_len[MAX_STRS];
    WCHAR strs[MAX_STRS][MAX_STR];
} entry;

static entry entries[MAX_ENTRIES];
static char sequence[MAX_SEQUENCE];

static entry *find_entry(const char *name, int create)
{
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (entries[i].used && strcmp(entries[i].name, name) == 0) return &entries[i];
    if (!create) return NULL;
    for (int i = 0; i < MAX_ENTRIES; i++) {
        if (!entries[i].used) {
            memset(&entries[i], 0, sizeof(entries[i]));
            entries[i].used = 1;
            snprintf(entries[i].name, sizeof(entries[i].name), "%s", name);
            return &entries[i];
        }
    }
    return NULL;
}

static entry *begin_call(const char *name)
{
    entry *e = find_entry(name, 1);
    if (!e) return NULL;
    memset(e->args, 0, sizeof(e->args));
    for (int i = 0; i < MAX_STRS; i++) e->str_len[i] = -1;
    e->count++;
    size_t used = strlen(sequence);
    if (used + strlen(name) + 2 < sizeof(sequence)) {
        if (used) strcat(sequence, ",");
        strcat(sequence, name);
    }
    return e;
}

static void arg(entry *e, int index, uint64_t value) { if (e && index < MAX_ARGS) e->args[index] = value; }

static void str(entry *e, int index, const WCHAR *s)
{
    if (!e || index >= MAX_STRS) return;
    if (!s) { e->str_len[index] = -1; return; }
    int n = 0;
    while (s[n] && n < MAX_STR - 1) { e->strs[index][n] = s[n]; n++; }
    e->strs[index][n] = 0;
    e->str_len[index] = n;
}

/* ---- injected I/O failures ------------------------------------------------------------------------ */

#define MAX_INJECTIONS 8
typedef struct { char point[32]; int skip; JET_ERR err; int used; } injection;
static injection injections[MAX_INJECTIONS];

/* The engine's own I/O at a named point ("db-read", "log-read", "open", "truncate", "init", "roll")
   fails with err after skip successful passes. */
static JET_ERR injected(const char *point)
{
    for (int i = 0; i < MAX_INJECTIONS; i++) {
        injection *j = &injections[i];
        if (!j->used || strcmp(j->point, point) != 0) continue;
        if (j->skip > 0) { j->skip--; return 0; }
        j->used = 0;
        return j->err;
    }
    return 0;
}

/* ---- the model's state ---------------------------------------------------------------------------- */

typedef enum { backupStateNotStarted, backupStateDatabases, backupStateLogsAndPatchs } backup_state;

typedef struct {
    int used;
    WCHAR path[MAX_PATH_CHARS];
    char file[MAX_PATH_CHARS * 3];
    uint8_t *header;            /* the in-memory DBFILEHDR (one page) */
    uint32_t pgno_last;
    /* FMP backup fields */
    int in_backup_session, backup_file_copy_done, copied_patch_header, has_patch_header;
    uint32_t pgno_backup_most, pgno_backup_copy_most;
} database;

typedef struct {
    int in_use, is_database, is_log;
    int db;                     /* index into the instance's databases */
    FILE *file;
    uint64_t ib, cb;
    long generation;
    uint8_t *dbfilehdr;         /* header snapshot taken at open */
} rhf;

typedef struct session_s session;

typedef struct {
    int used;
    WCHAR name[256];
    char system_path[MAX_PATH_CHARS * 3], log_path[MAX_PATH_CHARS * 3];
    WCHAR log_path_w[MAX_PATH_CHARS];
    char base_name[16];
    int circular_log, initialized;
    database dbs[MAX_DBS];
    /* BACKUP_CONTEXT */
    int backup_in_progress, stop_backup, backup_full, begin_new_log_file, logs_truncated;
    backup_state status;
    long copy_mic, copy_mac, delete_mic, delete_mac, gen_copy_done;
    long full_mark_generation;
    uint8_t full_mark_time[8];
    int crhf_mac;
    rhf rhfs[CRHF_MAX];
} instance;

struct session_s { int used; instance *inst; };

static instance instances[MAX_INSTANCES];
static session sessions[MAX_INSTANCES * 2];
static uint32_t g_cbPage = 8192; /* JET_paramDatabasePageSize default (jethdr.w) */

/* ---- helpers -------------------------------------------------------------------------------------- */

static void to_utf8(const WCHAR *w, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; w && w[i] && o + 4 < cap; i++) {
        uint32_t c = w[i];
        if (c >= 0xD800 && c <= 0xDBFF && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00);
            i++;
        }
        if (c < 0x80) out[o++] = (char)c;
        else if (c < 0x800) { out[o++] = (char)(0xC0 | (c >> 6)); out[o++] = (char)(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) { out[o++] = (char)(0xE0 | (c >> 12)); out[o++] = (char)(0x80 | ((c >> 6) & 0x3F)); out[o++] = (char)(0x80 | (c & 0x3F)); }
        else { out[o++] = (char)(0xF0 | (c >> 18)); out[o++] = (char)(0x80 | ((c >> 12) & 0x3F)); out[o++] = (char)(0x80 | ((c >> 6) & 0x3F)); out[o++] = (char)(0x80 | (c & 0x3F)); }
    }
    out[o] = 0;
}

static size_t wlen(const WCHAR *w) { size_t n = 0; while (w && w[n]) n++; return n; }

static void wcopy(WCHAR *dst, const WCHAR *src, size_t cap)
{
    size_t n = 0;
    while (src && src[n] && n + 1 < cap) { dst[n] = src[n]; n++; }
    dst[n] = 0;
}

static int wequal(const WCHAR *a, const WCHAR *b)
{
    size_t i = 0;
    for (; a[i] && b[i]; i++) if (a[i] != b[i]) return 0;
    return a[i] == b[i];
}

static uint32_t rd32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }
static void wr32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* The short checksum of header pages (SetPageChecksum with databaseHeader in checksumu.cxx): dword 0 is
   0x89abcdef XOR every other dword of the whole page. */
static void stamp_header_checksum(uint8_t *page, uint32_t cb)
{
    uint32_t x = 0x89abcdef;
    for (uint32_t i = 4; i < cb; i += 4) x ^= rd32(page + i);
    wr32(page, x);
}

/* LOGTIME: seconds, minutes, hours, day, month, year - 1900, then UTC flag and milliseconds. */
static void logtime_now(uint8_t *t)
{
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    t[0] = tmv.tm_sec; t[1] = tmv.tm_min; t[2] = tmv.tm_hour; t[3] = tmv.tm_mday;
    t[4] = tmv.tm_mon + 1; t[5] = tmv.tm_year; t[6] = 1; t[7] = 0;
}

static instance *find_instance(JET_API_PTR handle)
{
    for (int i = 0; i < MAX_INSTANCES; i++)
        if (instances[i].used && (JET_API_PTR)&instances[i] == handle) return &instances[i];
    return NULL;
}

static session *find_session(JET_API_PTR handle)
{
    for (int i = 0; i < MAX_INSTANCES * 2; i++)
        if (sessions[i].used && (JET_API_PTR)&sessions[i] == handle) return &sessions[i];
    return NULL;
}

static void join(char *out, size_t cap, const char *folder, const char *name)
{
    size_t n = strlen(folder);
    if (n && (folder[n - 1] == '/' || folder[n - 1] == '\\')) snprintf(out, cap, "%s%s", folder, name);
    else snprintf(out, cap, "%s/%s", folder, name);
}

static long file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (long)st.st_size;
}

static int read_file_at(const char *path, long offset, uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int ok = fseek(f, offset, SEEK_SET) == 0 && fread(buf, 1, n, f) == n;
    fclose(f);
    return ok ? 0 : -1;
}

static int write_file_at(const char *path, long offset, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    int ok = fseek(f, offset, SEEK_SET) == 0 && fwrite(buf, 1, n, f) == n;
    fclose(f);
    return ok ? 0 : -1;
}

/* Writes the in-memory header to both header pages on disk (the engine's ErrUtilWriteAttachedDatabaseHeaders). */
static int flush_header(database *db)
{
    stamp_header_checksum(db->header, g_cbPage);
    if (write_file_at(db->file, 0, db->header, g_cbPage) != 0) return -1;
    return write_file_at(db->file, g_cbPage, db->header, g_cbPage);
}

/* ---- logs ----------------------------------------------------------------------------------------- */

static int log_digits(instance *in)
{
    DIR *d = opendir(in->log_path);
    int digits = 5;
    if (!d) return digits;
    struct dirent *de;
    size_t base = strlen(in->base_name);
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n == base + 8 + 4 && strncasecmp(de->d_name, in->base_name, base) == 0 && strcasecmp(de->d_name + n - 4, ".log") == 0) digits = 8;
    }
    closedir(d);
    return digits;
}

/* LGMakeLogName(eArchiveLog): base name, the generation in hex (5 digits, or 8 past 0xFFFFF), .log. */
static void archive_file_name(instance *in, long gen, char *name, size_t cap)
{
    int digits = log_digits(in);
    if (gen > 0xFFFFF) digits = 8;
    snprintf(name, cap, "%s%0*lX.log", in->base_name, digits, gen);
}

static void archive_name(instance *in, long gen, char *out, size_t cap)
{
    char name[64];
    archive_file_name(in, gen, name, sizeof(name));
    join(out, cap, in->log_path, name);
}

static void current_name(instance *in, char *out, size_t cap)
{
    char name[32];
    snprintf(name, sizeof(name), "%s.log", in->base_name);
    join(out, cap, in->log_path, name);
}

static long current_generation(instance *in)
{
    char path[MAX_PATH_CHARS * 3];
    uint8_t hdr[8];
    current_name(in, path, sizeof(path));
    if (read_file_at(path, 0, hdr, 8) != 0) return 0;
    return (long)rd32(hdr + 4);
}

static long checkpoint_generation(instance *in)
{
    char path[MAX_PATH_CHARS * 3], name[32];
    uint8_t chk[20];
    snprintf(name, sizeof(name), "%s.chk", in->base_name);
    join(path, sizeof(path), in->system_path, name);
    if (read_file_at(path, 0, chk, sizeof(chk)) != 0) return 0;
    return (long)(int32_t)rd32(chk + 16); /* CHECKPOINT_FIXED.le_lgposCheckpoint.lGeneration (log.hxx) */
}

/* ErrLGGetGenerationRange: the lowest archived generation in the log folder (0 when none). */
static long lowest_generation(instance *in)
{
    DIR *d = opendir(in->log_path);
    long low = 0;
    if (!d) return 0;
    size_t base = strlen(in->base_name);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if ((n != base + 5 + 4 && n != base + 8 + 4) || strncasecmp(de->d_name, in->base_name, base) != 0 ||
            strcasecmp(de->d_name + n - 4, ".log") != 0) continue;
        char digits[9] = {0};
        memcpy(digits, de->d_name + base, n - base - 4);
        char *end;
        long g = strtol(digits, &end, 16);
        if (*end || g <= 0) continue;
        if (low == 0 || g < low) low = g;
    }
    closedir(d);
    long cur = current_generation(in);
    if (cur && (low == 0 || cur < low)) low = cur;
    return low;
}

/* The log roll of ErrLGBackupPrepLogs(fLGCreateNewGen): edb.log (generation g) is archived under its
   generation's name and a new current log g + 1 begins, chained to g (tmPrevGen, the XOR of g's segment
   checksums at offset 653: LGFILEHDR in log.hxx). */
static JET_ERR roll_log(instance *in)
{
    JET_ERR err = injected("roll");
    if (err) return err;
    char cur[MAX_PATH_CHARS * 3], arch[MAX_PATH_CHARS * 3];
    current_name(in, cur, sizeof(cur));
    long size = file_size(cur);
    if (size < 4096) return JET_errMissingLogFile;
    uint8_t *bytes = malloc(size);
    if (!bytes) return JET_errOutOfMemory;
    if (read_file_at(cur, 0, bytes, size) != 0) { free(bytes); return JET_errDiskIO; }
    long gen = rd32(bytes + 4);
    uint32_t cbSec = bytes[8] | (bytes[9] << 8);
    uint32_t csecHeader = bytes[10] | (bytes[11] << 8);
    if (cbSec == 0) cbSec = 512;
    long body = (long)cbSec * csecHeader;
    if (body < 4096) body = 4096;
    /* The accumulated checksum (logread.cxx): the stored checksums of the segments written for this
       generation (LGSEGHDR: the position's generation at offset 12); empty segments, shadow copies of the
       previous sector and leftovers of an older generation do not count. */
    uint64_t chain = 0;
    for (long at = body; at + (long)cbSec <= size; at += cbSec) {
        int empty = 1;
        for (uint32_t i = 0; i < cbSec && empty; i++) if (bytes[at + i]) empty = 0;
        if (empty) continue;
        if (at > body && memcmp(bytes + at, bytes + at - cbSec, cbSec) == 0) continue;
        if ((long)(int32_t)rd32(bytes + at + 12) != gen) continue;
        chain ^= rd64(bytes + at);
    }
    archive_name(in, gen, arch, sizeof(arch));
    if (rename(cur, arch) != 0) { free(bytes); return JET_errDiskIO; }
    wr32(bytes + 4, (uint32_t)(gen + 1));
    memcpy(bytes + 24, bytes + 16, 8);       /* tmPrevGen = the previous generation's tmCreate */
    logtime_now(bytes + 16);                 /* tmCreate */
    wr64(bytes + 653, chain);                /* checksumPrevLogAllSegments */
    memset(bytes + body, 0, size - body);    /* nothing logged yet */
    stamp_header_checksum(bytes, 4096);
    FILE *f = fopen(cur, "wb");
    int ok = f && fwrite(bytes, 1, size, f) == (size_t)size;
    if (f) fclose(f);
    free(bytes);
    return ok ? 0 : JET_errDiskIO;
}

/* ---- control functions ---------------------------------------------------------------------------- */

static void release_instance(instance *in)
{
    for (int i = 0; i < CRHF_MAX; i++) {
        if (in->rhfs[i].file) fclose(in->rhfs[i].file);
        free(in->rhfs[i].dbfilehdr);
    }
    for (int i = 0; i < MAX_DBS; i++) free(in->dbs[i].header);
    for (int i = 0; i < MAX_INSTANCES * 2; i++) if (sessions[i].inst == in) memset(&sessions[i], 0, sizeof(session));
    memset(in, 0, sizeof(*in));
}

void model_reset(void)
{
    memset(entries, 0, sizeof(entries));
    sequence[0] = 0;
    memset(injections, 0, sizeof(injections));
    for (int i = 0; i < MAX_INSTANCES; i++) if (instances[i].used) release_instance(&instances[i]);
    memset(sessions, 0, sizeof(sessions));
    g_cbPage = 8192;
}

/* Clears the recorded calls only (the engine's state stays). */
void model_clear_calls(void)
{
    memset(entries, 0, sizeof(entries));
    sequence[0] = 0;
}

void model_inject(const char *point, int32_t err, int skip)
{
    for (int i = 0; i < MAX_INJECTIONS; i++) {
        if (injections[i].used) continue;
        snprintf(injections[i].point, sizeof(injections[i].point), "%s", point);
        injections[i].err = err;
        injections[i].skip = skip;
        injections[i].used = 1;
        return;
    }
}

int model_call_count(const char *name) { entry *e = find_entry(name, 0); return e ? e->count : 0; }

uint64_t model_last_arg(const char *name, int index)
{
    entry *e = find_entry(name, 0);
    return (e && index >= 0 && index < MAX_ARGS) ? e->args[index] : 0;
}

int model_last_string(const char *name, int index, WCHAR *out, int capacity)
{
    entry *e = find_entry(name, 0);
    if (!e || e->count == 0 || index < 0 || index >= MAX_STRS) return -2;
    int n = e->str_len[index];
    if (n < 0) return -1;
    for (int i = 0; i < n && i < capacity; i++) out[i] = e->strs[index][i];
    return n;
}

int model_sequence(char *out, int capacity)
{
    int n = (int)strlen(sequence);
    if (capacity > 0) {
        int m = n < capacity - 1 ? n : capacity - 1;
        memcpy(out, sequence, m);
        out[m] = 0;
    }
    return n;
}

/* 1 while a backup is in progress on the instance, 0 when not, -1 for no such instance. */
int model_backup_in_progress(uint64_t handle)
{
    instance *in = find_instance((JET_API_PTR)handle);
    return in ? in->backup_in_progress : -1;
}

/* How many instances are alive (created and not terminated). */
int model_instance_count(void)
{
    int n = 0;
    for (int i = 0; i < MAX_INSTANCES; i++) n += instances[i].used;
    return n;
}

/* ---- instances, sessions, databases --------------------------------------------------------------- */

JET_ERR JetCreateInstance2W(JET_API_PTR *pinstance, const WCHAR *szInstanceName, const WCHAR *szDisplayName, ULONG grbit)
{
    entry *e = begin_call("JetCreateInstance2W");
    str(e, 0, szInstanceName);
    str(e, 1, szDisplayName);
    arg(e, 0, grbit);
    if (!pinstance) return JET_errInvalidParameter;
    for (int i = 0; i < MAX_INSTANCES; i++)
        if (instances[i].used && szInstanceName && wequal(instances[i].name, szInstanceName)) return JET_errInstanceNameInUse;
    for (int i = 0; i < MAX_INSTANCES; i++) {
        if (instances[i].used) continue;
        instance *in = &instances[i];
        memset(in, 0, sizeof(*in));
        in->used = 1;
        wcopy(in->name, szInstanceName, 256);
        strcpy(in->base_name, "edb");
        strcpy(in->system_path, ".");
        strcpy(in->log_path, ".");
        *pinstance = (JET_API_PTR)in;
        return JET_errSuccess;
    }
    return JET_errOutOfMemory;
}

JET_ERR JetSetSystemParameterW(JET_API_PTR *pinstance, JET_API_PTR sesid, ULONG paramid, JET_API_PTR lParam, const WCHAR *szParam)
{
    char name[80];
    snprintf(name, sizeof(name), "JetSetSystemParameterW#%u", (unsigned)paramid);
    entry *e = begin_call(name);
    arg(e, 0, pinstance ? (uint64_t)*pinstance : 0);
    arg(e, 1, pinstance == NULL);
    arg(e, 2, sesid);
    arg(e, 3, paramid);
    arg(e, 4, lParam);
    str(e, 0, szParam);
    if (!pinstance) {
        if (paramid != 64) return JET_errSuccess;
        /* The page size is process-wide and fixed once any instance runs (JET_errAlreadyInitialized). */
        for (int i = 0; i < MAX_INSTANCES; i++) if (instances[i].used && instances[i].initialized) return JET_errAlreadyInitialized;
        if (lParam != 4096 && lParam != 8192 && lParam != 16384 && lParam != 32768) return JET_errInvalidParameter;
        g_cbPage = (uint32_t)lParam;
        return JET_errSuccess;
    }
    instance *in = find_instance(*pinstance);
    if (!in) return JET_errInvalidParameter;
    if (in->initialized && paramid <= 3) return JET_errAlreadyInitialized;
    switch (paramid) {
    case 0: to_utf8(szParam, in->system_path, sizeof(in->system_path)); break;
    case 2: to_utf8(szParam, in->log_path, sizeof(in->log_path)); wcopy(in->log_path_w, szParam, MAX_PATH_CHARS); break;
    case 3:
        if (wlen(szParam) != 3) return JET_errInvalidParameter;
        to_utf8(szParam, in->base_name, sizeof(in->base_name));
        break;
    case 17: in->circular_log = lParam != 0; break;
    default: break;
    }
    return JET_errSuccess;
}

/* JetInitEx (jetapi.cxx): on failure the instance is freed (ErrTermAlloc) and *pinstance set to NULL.
   Soft recovery needs the generations from the checkpoint to the current log. */
JET_ERR JetInit3W(JET_API_PTR *pinstance, void *prstInfo, ULONG grbit)
{
    entry *e = begin_call("JetInit3W");
    arg(e, 0, pinstance ? (uint64_t)*pinstance : 0);
    arg(e, 1, (uint64_t)(uintptr_t)prstInfo);
    arg(e, 2, grbit);
    if (!pinstance) return JET_errInvalidParameter;
    instance *in = find_instance(*pinstance);
    if (!in) return JET_errInvalidParameter;
    if (in->initialized) return JET_errAlreadyInitialized;
    JET_ERR err = injected("init");
    if (!err) {
        long cur = current_generation(in), chk = checkpoint_generation(in);
        if (chk && cur) {
            for (long g = chk; g < cur && !err; g++) {
                char path[MAX_PATH_CHARS * 3];
                archive_name(in, g, path, sizeof(path));
                if (file_size(path) < 0) err = JET_errMissingLogFile;
            }
        }
    }
    if (err) {
        release_instance(in);
        *pinstance = 0;
        return err;
    }
    in->initialized = 1;
    return JET_errSuccess;
}

JET_ERR JetBeginSessionW(JET_API_PTR instance_handle, JET_API_PTR *psesid, const WCHAR *szUserName, const WCHAR *szPassword)
{
    entry *e = begin_call("JetBeginSessionW");
    arg(e, 0, instance_handle);
    str(e, 0, szUserName);
    str(e, 1, szPassword);
    instance *in = find_instance(instance_handle);
    if (!in) return JET_errInvalidParameter;
    if (!in->initialized) return JET_errNotInitialized;
    for (int i = 0; i < MAX_INSTANCES * 2; i++) {
        if (sessions[i].used) continue;
        sessions[i].used = 1;
        sessions[i].inst = in;
        *psesid = (JET_API_PTR)&sessions[i];
        return JET_errSuccess;
    }
    return JET_errOutOfMemory;
}

static database *find_database(instance *in, const WCHAR *path)
{
    for (int i = 0; i < MAX_DBS; i++) if (in->dbs[i].used && wequal(in->dbs[i].path, path)) return &in->dbs[i];
    return NULL;
}

/* ErrIsamAttachDatabase (db.cxx): refused while a backup runs (JET_errBackupInProgress); the page size must
   be the instance's; an attached database is in dirty shutdown on disk until it is detached. */
JET_ERR JetAttachDatabase2W(JET_API_PTR sesid, const WCHAR *szFilename, ULONG cpgDatabaseSizeMax, ULONG grbit)
{
    entry *e = begin_call("JetAttachDatabase2W");
    arg(e, 0, sesid);
    arg(e, 1, cpgDatabaseSizeMax);
    arg(e, 2, grbit);
    str(e, 0, szFilename);
    session *s = find_session(sesid);
    if (!s) return JET_errInvalidSesid;
    instance *in = s->inst;
    if (!szFilename || !*szFilename) return JET_errInvalidParameter;
    if (find_database(in, szFilename)) return JET_wrnDatabaseAttached;
    if (in->backup_in_progress) return JET_errBackupInProgress;
    database *db = NULL;
    for (int i = 0; i < MAX_DBS && !db; i++) if (!in->dbs[i].used) db = &in->dbs[i];
    if (!db) return JET_errOutOfMemory;
    char file[MAX_PATH_CHARS * 3];
    to_utf8(szFilename, file, sizeof(file));
    long size = file_size(file);
    if (size < 0) return JET_errFileNotFound;
    uint8_t probe[4096];
    if (size < 4096 || read_file_at(file, 0, probe, sizeof(probe)) != 0) return JET_errInvalidParameter;
    uint32_t page = rd32(probe + HDR_PAGE_SIZE);
    if (page == 0) page = 4096;
    if (page != g_cbPage) return JET_errPageSizeMismatch;
    uint8_t *header = malloc(g_cbPage);
    if (!header) return JET_errOutOfMemory;
    if (read_file_at(file, 0, header, g_cbPage) != 0) { free(header); return JET_errDiskIO; }
    if (rd32(header + HDR_STATE) == DBSTATE_DIRTY) {
        /* Soft recovery would replay the required generations: they must be in the log folder. */
        long low = (int32_t)rd32(header + HDR_GEN_MIN_REQUIRED), high = (int32_t)rd32(header + HDR_GEN_MAX_REQUIRED);
        long cur = current_generation(in);
        for (long g = low; g > 0 && g <= high; g++) {
            char path[MAX_PATH_CHARS * 3];
            if (g == cur) continue;
            archive_name(in, g, path, sizeof(path));
            if (file_size(path) < 0) { free(header); return JET_errDatabaseDirtyShutdown; }
        }
    }
    memset(db, 0, sizeof(*db));
    db->used = 1;
    wcopy(db->path, szFilename, MAX_PATH_CHARS);
    strcpy(db->file, file);
    db->header = header;
    db->pgno_last = (uint32_t)(size / g_cbPage) - CPG_DB_RESERVED;
    long cur = current_generation(in), chk = checkpoint_generation(in);
    wr32(header + HDR_STATE, DBSTATE_DIRTY);
    if (chk) wr32(header + HDR_GEN_MIN_REQUIRED, (uint32_t)chk);
    if (cur) { wr32(header + HDR_GEN_MAX_REQUIRED, (uint32_t)cur); wr32(header + HDR_GEN_MAX_COMMITTED, (uint32_t)cur); }
    if (flush_header(db) != 0) { free(header); memset(db, 0, sizeof(*db)); return JET_errDiskIO; }
    return JET_errSuccess;
}

static JET_ERR detach(instance *in, database *db, int clean)
{
    if (clean) {
        wr32(db->header + HDR_STATE, DBSTATE_CLEAN);
        if (flush_header(db) != 0) return JET_errDiskIO;
    }
    free(db->header);
    memset(db, 0, sizeof(*db));
    (void)in;
    return JET_errSuccess;
}

/* ErrIsamDetachDatabase (db.cxx): JET_errBackupInProgress while a backup runs. */
JET_ERR JetDetachDatabase2W(JET_API_PTR sesid, const WCHAR *szFilename, ULONG grbit)
{
    entry *e = begin_call("JetDetachDatabase2W");
    arg(e, 0, sesid);
    arg(e, 1, grbit);
    str(e, 0, szFilename);
    session *s = find_session(sesid);
    if (!s) return JET_errInvalidSesid;
    instance *in = s->inst;
    if (in->backup_in_progress) return JET_errBackupInProgress;
    if (!szFilename) {
        for (int i = 0; i < MAX_DBS; i++) if (in->dbs[i].used) detach(in, &in->dbs[i], 1);
        return JET_errSuccess;
    }
    database *db = find_database(in, szFilename);
    if (!db) return JET_errDatabaseNotFound;
    return detach(in, db, 1);
}

JET_ERR JetEndSession(JET_API_PTR sesid, ULONG grbit)
{
    entry *e = begin_call("JetEndSession");
    arg(e, 0, sesid);
    arg(e, 1, grbit);
    session *s = find_session(sesid);
    if (!s) return JET_errInvalidSesid;
    memset(s, 0, sizeof(*s));
    return JET_errSuccess;
}

static JET_ERR backup_cleanup(instance *in, JET_ERR error, ULONG grbit);

/* ErrTermComplete (jetapi.cxx) and ErrIsamTerm (tm.cxx): an unknown handle is JET_errInvalidParameter
   (ErrFindPinst); JET_bitTermStopBackup or JET_bitTermAbrupt end a running backup first; a clean or abrupt
   term refuses to run during a backup (JET_errBackupInProgress, ErrINSTTerm in sysinit.cxx) and leaves the
   instance running; JET_bitTermDirty leaves the databases in dirty shutdown and answers JET_errDirtyShutdown. */
JET_ERR JetTerm2(JET_API_PTR instance_handle, ULONG grbit)
{
    entry *e = begin_call("JetTerm2");
    arg(e, 0, instance_handle);
    arg(e, 1, grbit);
    instance *in = find_instance(instance_handle);
    if (!in) return JET_errInvalidParameter;
    if (!in->initialized) { release_instance(in); return JET_errSuccess; }
    if ((grbit & JET_bitTermStopBackup) || (grbit & JET_bitTermAbrupt)) {
        if (in->backup_in_progress) backup_cleanup(in, JET_errBackupAbortByServer, 0);
    }
    int dirty = (grbit & JET_bitTermDirty) != 0;
    if (!dirty && in->backup_in_progress) return JET_errBackupInProgress;
    for (int i = 0; i < MAX_DBS; i++) if (in->dbs[i].used) detach(in, &in->dbs[i], !dirty);
    release_instance(in);
    return dirty ? JET_errDirtyShutdown : JET_errSuccess;
}

JET_ERR JetGetDatabaseFileInfoW(const WCHAR *szDatabaseName, void *pvResult, ULONG cbMax, ULONG InfoLevel)
{
    entry *e = begin_call("JetGetDatabaseFileInfoW");
    str(e, 0, szDatabaseName);
    arg(e, 0, cbMax);
    arg(e, 1, InfoLevel);
    if (InfoLevel != 17) return JET_errInvalidParameter; /* JET_DbInfoPageSize is all the module asks */
    if (!pvResult || cbMax < 4) return JET_errBufferTooSmall;
    char file[MAX_PATH_CHARS * 3];
    uint8_t hdr[240];
    to_utf8(szDatabaseName, file, sizeof(file));
    if (file_size(file) < 0) return JET_errFileNotFound;
    if (read_file_at(file, 0, hdr, sizeof(hdr)) != 0) return JET_errDiskIO;
    uint32_t page = rd32(hdr + HDR_PAGE_SIZE);
    if (page == 0) page = 4096;
    memcpy(pvResult, &page, 4);
    return JET_errSuccess;
}

/* ---- external backup -------------------------------------------------------------------------------- */

static instance *backup_instance(JET_API_PTR handle, JET_ERR *err)
{
    instance *in = find_instance(handle);
    if (!in) { *err = JET_errInvalidParameter; return NULL; }
    if (!in->initialized) { *err = JET_errNotInitialized; return NULL; }
    *err = 0;
    return in;
}

/* ErrLGCheckIncrementalBackup: every attached database needs a previous full backup (with truncation,
   recorded in bkinfoFullPrev) of the normal type. */
static JET_ERR check_incremental(instance *in)
{
    for (int i = 0; i < MAX_DBS; i++) {
        database *db = &in->dbs[i];
        if (!db->used) continue;
        if (rd32(db->header + HDR_BK_FULL_PREV + 16) == 0 || rd32(db->header + HDR_BK_TYPE_FULL_PREV) != 0)
            return JET_errMissingFullBackup;
    }
    return 0;
}

/* ErrBKBeginExternalBackup. */
JET_ERR JetBeginExternalBackupInstance(JET_API_PTR instance_handle, ULONG grbit)
{
    entry *e = begin_call("JetBeginExternalBackupInstance");
    arg(e, 0, instance_handle);
    arg(e, 1, grbit);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if ((grbit & ~(ULONG)(0x1 | 0x4 | 0x8)) != 0) return JET_errInvalidGrbit;
    int incremental = (grbit & JET_bitBackupIncremental) != 0;
    if (incremental && in->circular_log) return JET_errInvalidBackup;
    if (in->backup_in_progress) return JET_errBackupInProgress;
    in->copy_mic = in->copy_mac = in->delete_mic = in->delete_mac = 0;
    in->logs_truncated = 0;
    in->stop_backup = 0;
    in->backup_in_progress = 1;
    in->status = incremental ? backupStateLogsAndPatchs : backupStateDatabases;
    for (int i = 0; i < MAX_DBS; i++) in->dbs[i].in_backup_session = in->dbs[i].used && incremental;
    if (incremental) {
        err = check_incremental(in);
    } else {
        in->full_mark_generation = current_generation(in); /* LGLogTipWithLock */
        logtime_now(in->full_mark_time);
        in->copy_mic = checkpoint_generation(in);          /* ErrLGReadCheckpoint */
        if (in->copy_mic == 0) err = JET_errCheckpointFileNotFound;
    }
    in->begin_new_log_file = 0;
    in->backup_full = !incremental;
    if (err < 0) {
        in->backup_in_progress = 0;
        in->stop_backup = 0;
        in->status = backupStateNotStarted;
    }
    return err;
}

static ULONG multi_string(const WCHAR **items, int count, void *buffer, ULONG cbMax)
{
    ULONG cbActual = 2;
    for (int i = 0; i < count; i++) cbActual += (ULONG)(2 * (wlen(items[i]) + 1));
    WCHAR *all = calloc(cbActual / 2, 2);
    WCHAR *p = all;
    for (int i = 0; i < count; i++) { size_t n = wlen(items[i]); memcpy(p, items[i], 2 * n); p += n + 1; }
    if (buffer) memcpy(buffer, all, cbMax < cbActual ? cbMax : cbActual);
    free(all);
    return cbActual;
}

/* ErrBKGetAttachInfo: NoBackup / BackupAbortByServer first; only in a full backup
   (JET_errInvalidBackupSequence, the backup goes on); *pcbActual is always the full size and what fits is
   copied. */
JET_ERR JetGetAttachInfoInstanceW(JET_API_PTR instance_handle, void *szzDatabases, ULONG cbMax, ULONG *pcbActual)
{
    entry *e = begin_call("JetGetAttachInfoInstanceW");
    arg(e, 0, instance_handle);
    arg(e, 1, cbMax);
    arg(e, 2, szzDatabases != NULL);
    arg(e, 3, pcbActual != NULL);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if (!in->backup_in_progress) return JET_errNoBackup;
    if (in->stop_backup) return JET_errBackupAbortByServer;
    if (!in->backup_full) return JET_errInvalidBackupSequence;
    const WCHAR *items[MAX_DBS];
    int n = 0;
    for (int i = 0; i < MAX_DBS; i++) if (in->dbs[i].used) items[n++] = in->dbs[i].path;
    ULONG cbActual = multi_string(items, n, szzDatabases, cbMax);
    if (pcbActual) *pcbActual = cbActual;
    return JET_errSuccess;
}

static int extension_is_log(const char *file)
{
    size_t n = strlen(file);
    return n >= 4 && strcasecmp(file + n - 4, ".log") == 0;
}

/* LGFileHelper::ErrLGGetGeneration: base name then hex digits; the current log (no digits) is refused. */
static long generation_from_name(instance *in, const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *name = slash ? slash + 1 : file;
    size_t base = strlen(in->base_name), n = strlen(name);
    if (n <= base + 4 || strncasecmp(name, in->base_name, base) != 0) return -1;
    char digits[16] = {0};
    if (n - base - 4 >= sizeof(digits)) return -1;
    memcpy(digits, name + base, n - base - 4);
    char *end;
    long g = strtol(digits, &end, 16);
    return (*end || g <= 0) ? -1 : g;
}

static void free_rhf(rhf *r)
{
    if (r->file) fclose(r->file);
    free(r->dbfilehdr);
    memset(r, 0, sizeof(*r));
}

/* ErrBKOpenFile (ibRead 0). The database phase: a database not attached is JET_errDatabaseNotFound and
   the backup goes on; an attached one gets its header snapshot (bkinfoFullCur marked, checksum restamped)
   and the size of its pages, the two header pages and the trailer page. The log phase: a database is
   JET_errInvalidBackupSequence, any other file is opened from disk (JET_errMissingFileToBackup when
   absent) and every failure there ends the backup. One file at a time (crhfMax is 1: JET_errOutOfMemory). */
JET_ERR JetOpenFileInstanceW(JET_API_PTR instance_handle, const WCHAR *szFileName, JET_API_PTR *phfFile, ULONG *pulFileSizeLow, ULONG *pulFileSizeHigh)
{
    entry *e = begin_call("JetOpenFileInstanceW");
    arg(e, 0, instance_handle);
    str(e, 0, szFileName);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if (!in->backup_in_progress) return JET_errNoBackup;
    if (in->stop_backup) return JET_errBackupAbortByServer;
    if (!szFileName || !*szFileName) return JET_errInvalidParameter;
    int irhf;
    if (in->crhf_mac < CRHF_MAX) irhf = in->crhf_mac++;
    else for (irhf = 0; irhf < CRHF_MAX && in->rhfs[irhf].in_use; irhf++) {}
    if (irhf == CRHF_MAX) return JET_errOutOfMemory;
    rhf *r = &in->rhfs[irhf];
    memset(r, 0, sizeof(*r));
    r->in_use = 1;
    r->db = -1;

    database *db = find_database(in, szFileName);
    char file[MAX_PATH_CHARS * 3];
    to_utf8(szFileName, file, sizeof(file));
    if (db) {
        if (!in->backup_full || in->status != backupStateDatabases) { err = JET_errInvalidBackupSequence; goto failed; }
        if ((err = injected("open")) != 0) goto failed;
        r->is_database = 1;
        r->db = (int)(db - in->dbs);
        r->dbfilehdr = malloc(g_cbPage);
        memcpy(r->dbfilehdr, db->header, g_cbPage);
        uint8_t *bk = r->dbfilehdr + HDR_BK_FULL_CUR;
        memset(bk, 0, BKINFO_SIZE);
        wr32(bk + 4, (uint32_t)in->full_mark_generation); /* lgposMark: ib, isec (u16 each), lGeneration */
        bk[2] = 1;
        memcpy(bk + 8, in->full_mark_time, 8);
        wr32(bk + 16, (uint32_t)in->copy_mic);            /* genLow; genHigh stays 0 */
        stamp_header_checksum(r->dbfilehdr, g_cbPage);
        r->cb = (uint64_t)db->pgno_last * g_cbPage + (uint64_t)g_cbPage * CPG_DB_RESERVED + g_cbPage;
        db->pgno_backup_most = db->pgno_last;
        db->pgno_backup_copy_most = 0;
        db->copied_patch_header = 0;
        db->has_patch_header = 1;
        db->in_backup_session = 1;
    } else if (in->status == backupStateDatabases) {
        err = JET_errDatabaseNotFound;
        goto failed;
    } else {
        r->is_log = extension_is_log(file);
        if (r->is_log) {
            r->generation = generation_from_name(in, file);
            if (r->generation < 0) { err = JET_errInvalidParameter; goto failed; }
        }
        if ((err = injected("open")) != 0) goto failed;
        r->file = fopen(file, "rb");
        if (!r->file) { err = errno == ENOENT ? JET_errMissingFileToBackup : JET_errDiskIO; goto failed; }
        r->cb = (uint64_t)file_size(file);
    }
    *phfFile = (JET_API_PTR)irhf;
    *pulFileSizeLow = (ULONG)r->cb;
    *pulFileSizeHigh = (ULONG)(r->cb >> 32);
    return JET_errSuccess;

failed:
    if (in->status == backupStateDatabases) {
        if (r->db >= 0) { in->dbs[r->db].in_backup_session = 0; in->dbs[r->db].has_patch_header = 0; }
        free_rhf(r);
    } else {
        free_rhf(r);
        backup_cleanup(in, err, 0);
    }
    return err;
}

/* BKIMakeDbTrailer: a page of zeros with the backup info (genLow: the checkpoint at begin; genHigh: the
   current generation, or the database's max committed one if newer), both signatures and the required
   range, stamped with the short header checksum (dword 0 only: bytes 4-7 stay zero). */
static void make_trailer(instance *in, database *db, uint8_t *page)
{
    memset(page, 0, g_cbPage);
    memcpy(page + PATCH_GEN_MIN_REQ, db->header + HDR_GEN_MIN_REQUIRED, 4);
    memcpy(page + PATCH_GEN_MAX_REQ, db->header + HDR_GEN_MAX_REQUIRED, 4);
    memcpy(page + PATCH_GEN_MAX_COMMITTED, db->header + HDR_GEN_MAX_COMMITTED, 4);
    memcpy(page + PATCH_LOGTIME_MAX_COMMITTED, db->header + HDR_LOGTIME_GEN_MAX_CREATE, 8);
    uint8_t *bk = page + PATCH_BKINFO;
    wr32(bk + 4, (uint32_t)in->full_mark_generation);
    bk[2] = 1;
    memcpy(bk + 8, in->full_mark_time, 8);
    wr32(bk + 16, (uint32_t)in->copy_mic);
    memcpy(page + PATCH_SIGN_DB, db->header + HDR_SIGN_DB, 28);
    memcpy(page + PATCH_SIGN_LOG, db->header + HDR_SIGN_LOG, 28);
    uint32_t high = (uint32_t)current_generation(in);
    uint32_t committed = rd32(page + PATCH_GEN_MAX_COMMITTED);
    if (committed != 0 && committed > high) high = committed;
    wr32(bk + 20, high);
    stamp_header_checksum(page, g_cbPage);
    db->copied_patch_header = 1;
}

/* ErrBKIReadPages: the first read starts with the header snapshot twice, then pages up to the size fixed at
   open; the trailer page follows the last page when the buffer has room for it (else on the next read). */
static JET_ERR read_pages(instance *in, rhf *r, uint8_t *pv, int cpage, int *pcbActual)
{
    database *db = &in->dbs[r->db];
    int reserved = db->pgno_backup_copy_most == 0 ? CPG_DB_RESERVED : 0;
    int cpageT = (int)(db->pgno_backup_most - db->pgno_backup_copy_most) + reserved;
    if (cpageT > cpage) cpageT = cpage;
    int room = cpageT < cpage;
    int ipage = 0;
    *pcbActual = 0;
    if (cpageT == 0 && (!room || db->copied_patch_header)) return 0;
    if (db->pgno_backup_copy_most == 0) {
        memcpy(pv, r->dbfilehdr, g_cbPage);
        memcpy(pv + g_cbPage, r->dbfilehdr, g_cbPage);
        *pcbActual += 2 * g_cbPage;
        ipage = 2;
    }
    uint32_t pgnoStart = db->pgno_backup_copy_most + 1;
    uint32_t pgnoEnd = db->pgno_backup_copy_most + (cpageT - ipage);
    if (pgnoStart <= pgnoEnd) {
        JET_ERR err = injected("db-read");
        if (!err && read_file_at(db->file, (long)(pgnoStart + 1) * g_cbPage, pv + ipage * g_cbPage, (size_t)(pgnoEnd - pgnoStart + 1) * g_cbPage) != 0)
            err = JET_errDiskIO;
        if (err) { *pcbActual = 0; return err; }
        db->pgno_backup_copy_most = pgnoEnd;
        *pcbActual += (int)g_cbPage * (cpageT - ipage);
    }
    if (room) {
        make_trailer(in, db, pv + *pcbActual);
        *pcbActual += g_cbPage;
    }
    return 0;
}

/* ErrBKReadFile. The handle is not checked: a closed slot reads as an empty file. The buffer must be aligned
   to a memory page and cbMax a multiple of the database page size (JET_errInvalidParameter, the backup goes
   on); a first read of a database needs more than the two header pages, a first read of a log at least
   two pages. A failed database read closes the file and the backup goes on; a failed log read ends it. */
JET_ERR JetReadFileInstance(JET_API_PTR instance_handle, JET_API_PTR hfFile, void *pv, ULONG cb, ULONG *pcbActual)
{
    entry *e = begin_call("JetReadFileInstance");
    arg(e, 0, instance_handle);
    arg(e, 1, hfFile);
    arg(e, 2, cb);
    arg(e, 3, pcbActual != NULL);
    arg(e, 4, (uint64_t)(uintptr_t)pv);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if (!in->backup_in_progress) return JET_errNoBackup;
    if (in->stop_backup) return JET_errBackupAbortByServer;
    if (((uintptr_t)pv & (MEMORY_PAGE - 1)) != 0) return JET_errInvalidParameter;
    static rhf unused_slot;
    int irhf = (int)hfFile;
    rhf *r = (irhf >= 0 && irhf < CRHF_MAX) ? &in->rhfs[irhf] : (memset(&unused_slot, 0, sizeof(unused_slot)), &unused_slot);
    if (!r->is_database) {
        if (cb % g_cbPage != 0) return JET_errInvalidParameter;
        if (cb / g_cbPage < CPG_DB_RESERVED && r->ib == 0) return JET_errInvalidParameter;
        uint64_t left = r->cb - r->ib;
        uint32_t toRead = (uint32_t)(left < cb ? left : cb);
        if (toRead > 0) {
            err = injected("log-read");
            if (!err && (fseek(r->file, (long)r->ib, SEEK_SET) != 0 || fread(pv, 1, toRead, r->file) != toRead)) err = JET_errDiskIO;
            if (err) { backup_cleanup(in, err, 0); return err; }
        }
        r->ib += toRead;
        if (pcbActual) *pcbActual = toRead;
        return JET_errSuccess;
    }
    if (cb % g_cbPage != 0) return JET_errInvalidParameter;
    int cpage = (int)(cb / g_cbPage);
    database *db = &in->dbs[r->db];
    if (cpage == 0 || (cpage <= CPG_DB_RESERVED && db->pgno_backup_copy_most == 0)) return JET_errInvalidParameter;
    int actual = 0;
    err = read_pages(in, r, pv, cpage, &actual);
    if (err) {
        db->in_backup_session = 0;
        db->has_patch_header = 0;
        db->pgno_backup_most = db->pgno_backup_copy_most = 0;
        free_rhf(r);
        return err;
    }
    r->ib += (uint64_t)actual;
    if (pcbActual) *pcbActual = (ULONG)actual;
    return JET_errSuccess;
}

/* ErrBKCloseFile: a database read to the end counts as copied (SetEDBBackupDone); a log read to the end
   and inside the copy range adds its generation to the sum JetTruncateLog checks. */
JET_ERR JetCloseFileInstance(JET_API_PTR instance_handle, JET_API_PTR hfFile)
{
    entry *e = begin_call("JetCloseFileInstance");
    arg(e, 0, instance_handle);
    arg(e, 1, hfFile);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if (!in->backup_in_progress) return JET_errNoBackup;
    int irhf = (int)hfFile;
    if (irhf < 0 || irhf >= in->crhf_mac || !in->rhfs[irhf].in_use) return JET_errInvalidParameter;
    rhf *r = &in->rhfs[irhf];
    if (r->is_database) {
        database *db = &in->dbs[r->db];
        db->pgno_backup_most = db->pgno_backup_copy_most = 0;
        db->copied_patch_header = 0;
        if (r->ib == r->cb) db->backup_file_copy_done = 1;
    } else if (r->ib == r->cb && r->is_log && r->generation >= in->copy_mic && r->generation <= in->copy_mac - 1) {
        in->gen_copy_done += r->generation;
    }
    free_rhf(r);
    return JET_errSuccess;
}

/* ErrBKIPrepareLogFiles: roll the log, copy up to (not including) the new current generation, delete from
   the lowest generation present up to the checkpoint; an incremental continues the previous backups
   (JET_errMissingFileToBackup past a gap, ErrBKICheckLogsForIncrementalBackup). */
static JET_ERR prepare_log_files(instance *in)
{
    JET_ERR err = roll_log(in);
    if (err) return err;
    in->begin_new_log_file = 1;
    in->copy_mac = current_generation(in);
    in->gen_copy_done = 0;
    in->delete_mic = lowest_generation(in);
    if (in->delete_mic == 0) return JET_errFileNotFound;
    if (!in->backup_full) {
        for (int i = 0; i < MAX_DBS; i++) {
            database *db = &in->dbs[i];
            if (!db->used) continue;
            long full = (int32_t)rd32(db->header + HDR_BK_FULL_PREV + 20), inc = (int32_t)rd32(db->header + HDR_BK_INC_PREV + 20);
            long max = full > inc ? full : inc;
            if (in->delete_mic > max + 1) return JET_errMissingFileToBackup;
        }
    }
    in->delete_mac = checkpoint_generation(in);
    if (in->delete_mac == 0) return JET_errCheckpointFileNotFound;
    if (in->delete_mac > in->copy_mac) in->delete_mac = in->copy_mac;
    if (in->backup_full) {
        for (int i = 0; i < MAX_DBS; i++) {
            database *db = &in->dbs[i];
            if (!db->used || (db->in_backup_session && db->backup_file_copy_done)) continue;
            long prev = (int32_t)rd32(db->header + HDR_BK_FULL_PREV + 20);
            if ((unsigned long)prev < (unsigned long)in->delete_mac) in->delete_mac = prev;
        }
        if (in->delete_mac < in->delete_mic) in->delete_mic = in->delete_mac;
    } else {
        in->copy_mic = in->delete_mic;
    }
    return 0;
}

/* ErrBKIPrepareLogInfo: no file may be open (JET_errInvalidBackupSequence); the log roll happens once. */
static JET_ERR prepare_log_info(instance *in)
{
    if (!in->backup_in_progress) return JET_errNoBackup;
    if (in->stop_backup) return JET_errBackupAbortByServer;
    for (int i = 0; i < in->crhf_mac; i++) if (in->rhfs[i].in_use) return JET_errInvalidBackupSequence;
    if (!in->begin_new_log_file) return prepare_log_files(in);
    return 0;
}

/* ErrBKIGetLogInfo: the archived names of generations low..high-1 in the log folder. With a buffer,
   *pcbActual is min(cbMax, size) and what fits is copied: never JET_errBufferTooSmall. Without a buffer,
   *pcbActual is the size. The backup then is in its log phase. */
static JET_ERR log_list(instance *in, long low, long high, void *buffer, ULONG cbMax, ULONG *pcbActual, JET_LOGINFO_W *info)
{
    int count = high > low ? (int)(high - low) : 0;
    const WCHAR **items = calloc(count ? count : 1, sizeof(WCHAR *));
    WCHAR **owned = calloc(count ? count : 1, sizeof(WCHAR *));
    size_t dir = wlen(in->log_path_w);
    int separator = dir > 0 && in->log_path_w[dir - 1] != '/' && in->log_path_w[dir - 1] != '\\';
    for (int i = 0; i < count; i++) {
        /* The folder as the caller set it (UTF-16), then the file name. */
        char name[64];
        archive_file_name(in, low + i, name, sizeof(name));
        owned[i] = calloc(dir + 2 + strlen(name), sizeof(WCHAR));
        size_t k = 0;
        for (; k < dir; k++) owned[i][k] = in->log_path_w[k];
        if (separator) owned[i][k++] = '/';
        for (const char *c = name; *c; c++) owned[i][k++] = (WCHAR)(unsigned char)*c;
        owned[i][k] = 0;
        items[i] = owned[i];
    }
    ULONG cbActual = multi_string(items, count, buffer, cbMax);
    for (int i = 0; i < count; i++) free(owned[i]);
    free(owned);
    free(items);
    if (pcbActual) *pcbActual = buffer ? (cbMax < cbActual ? cbMax : cbActual) : cbActual;
    if (info) {
        info->ulGenLow = (ULONG)low;
        info->ulGenHigh = (ULONG)(high - 1);
        memset(info->szBaseName, 0, sizeof(info->szBaseName));
        for (int i = 0; i < 3; i++) info->szBaseName[i] = (WCHAR)in->base_name[i];
    }
    in->status = backupStateLogsAndPatchs;
    return JET_errSuccess;
}

JET_ERR JetGetLogInfoInstance2W(JET_API_PTR instance_handle, void *wszzLogs, ULONG cbMax, ULONG *pcbActual, JET_LOGINFO_W *pLogInfo)
{
    entry *e = begin_call("JetGetLogInfoInstance2W");
    arg(e, 0, instance_handle);
    arg(e, 1, cbMax);
    arg(e, 2, wszzLogs != NULL);
    arg(e, 3, pcbActual != NULL);
    arg(e, 4, pLogInfo ? pLogInfo->cbSize : 0);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if ((err = prepare_log_info(in)) != 0) return err;
    return log_list(in, in->copy_mic, in->copy_mac, wszzLogs, cbMax, pcbActual, pLogInfo);
}

JET_ERR JetGetTruncateLogInfoInstanceW(JET_API_PTR instance_handle, void *wszzLogs, ULONG cbMax, ULONG *pcbActual)
{
    entry *e = begin_call("JetGetTruncateLogInfoInstanceW");
    arg(e, 0, instance_handle);
    arg(e, 1, cbMax);
    arg(e, 2, wszzLogs != NULL);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if ((err = prepare_log_info(in)) != 0) return err;
    return log_list(in, in->delete_mic, in->delete_mac, wszzLogs, cbMax, pcbActual, NULL);
}

/* ErrBKTruncateLog: every log of the copy range must have been read whole (JET_errLogFileNotCopied) and
   no file open; refusals leave the backup running. Then generations deleteMic..deleteMac-1 are deleted
   (ErrLGTruncateLog), the backup counting as truncated even if a delete fails. */
JET_ERR JetTruncateLogInstance(JET_API_PTR instance_handle)
{
    entry *e = begin_call("JetTruncateLogInstance");
    arg(e, 0, instance_handle);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    if (!in->backup_in_progress) return JET_errNoBackup;
    if (in->stop_backup) return JET_errBackupAbortByServer;
    for (int i = 0; i < in->crhf_mac; i++) if (in->rhfs[i].in_use) return JET_errInvalidBackupSequence;
    if (in->copy_mic == 0 || in->copy_mac == 0) return JET_errInvalidBackupSequence;
    in->status = backupStateLogsAndPatchs;
    long a = in->copy_mic, b = in->copy_mac - 1;
    long must = ((a + b) * (b - a + 1)) / 2;
    if (in->gen_copy_done < must) return JET_errLogFileNotCopied;
    in->logs_truncated = 1;
    if ((err = injected("truncate")) != 0) return err;
    for (long g = in->delete_mic; g < in->delete_mac; g++) {
        char path[MAX_PATH_CHARS * 3];
        archive_name(in, g, path, sizeof(path));
        if (unlink(path) != 0 && errno != ENOENT) return JET_errDiskIO;
    }
    return JET_errSuccess;
}

static void write_bkinfo(uint8_t *at, long mark_gen, const uint8_t *mark_time, long low, long high)
{
    memset(at, 0, BKINFO_SIZE);
    wr32(at + 4, (uint32_t)mark_gen);
    at[2] = 1;
    memcpy(at + 8, mark_time, 8);
    wr32(at + 16, (uint32_t)low);
    wr32(at + 20, (uint32_t)high);
}

/* ErrBKExternalBackupCleanUp: a normal end after JetStopBackupInstance, or before the log phase, is turned
   into an abort; a normal end records the backup in each database header (full with truncation:
   bkinfoFullPrev, clearing the incremental and differential; full without: bkinfoCopyPrev; incremental
   with truncation: bkinfoIncPrev; without: bkinfoDiffPrev; ErrBKUpdateHdrBackupInfo). It answers
   JET_errSuccess whatever happened, and JET_errNoBackup when no backup runs. */
static JET_ERR backup_cleanup(instance *in, JET_ERR error, ULONG grbit)
{
    int normal = error == 0;
    if (!in->backup_in_progress) {
        in->stop_backup = 0;
        in->status = backupStateNotStarted;
        return JET_errNoBackup;
    }
    if (normal && (in->stop_backup || in->status == backupStateDatabases)) normal = 0;
    for (int i = 0; i < CRHF_MAX; i++) if (in->rhfs[i].in_use) free_rhf(&in->rhfs[i]);
    uint8_t now[8];
    logtime_now(now);
    for (int i = 0; i < MAX_DBS; i++) {
        database *db = &in->dbs[i];
        if (!db->used || !db->in_backup_session) continue;
        if (normal) {
            int truncated = in->logs_truncated || (grbit & 0x100) != 0; /* JET_bitBackupTruncateDone */
            if (in->backup_full && db->backup_file_copy_done) {
                if (truncated) {
                    write_bkinfo(db->header + HDR_BK_FULL_PREV, in->full_mark_generation, in->full_mark_time, in->copy_mic, in->copy_mac - 1);
                    wr32(db->header + HDR_BK_TYPE_FULL_PREV, 0);
                    memset(db->header + HDR_BK_INC_PREV, 0, BKINFO_SIZE);
                    memset(db->header + HDR_BK_DIFF_PREV, 0, BKINFO_SIZE);
                    wr32(db->header + HDR_BK_TYPE_INC_PREV, 0);
                    wr32(db->header + HDR_BK_TYPE_DIFF_PREV, 0);
                } else {
                    write_bkinfo(db->header + HDR_BK_COPY_PREV, in->full_mark_generation, in->full_mark_time, in->copy_mic, in->copy_mac - 1);
                    wr32(db->header + HDR_BK_TYPE_COPY_PREV, 0);
                }
            } else if (!in->backup_full) {
                int at = truncated ? HDR_BK_INC_PREV : HDR_BK_DIFF_PREV;
                write_bkinfo(db->header + at, in->copy_mac, now, in->copy_mic, in->copy_mac - 1);
                wr32(db->header + (truncated ? HDR_BK_TYPE_INC_PREV : HDR_BK_TYPE_DIFF_PREV), 0);
            }
            flush_header(db);
        }
        db->in_backup_session = 0;
        db->has_patch_header = 0;
        db->backup_file_copy_done = 0;
        db->pgno_backup_most = db->pgno_backup_copy_most = 0;
        db->copied_patch_header = 0;
    }
    in->logs_truncated = 0;
    in->backup_in_progress = 0;
    in->stop_backup = 0;
    in->status = backupStateNotStarted;
    return JET_errSuccess;
}

/* ErrIsamEndExternalBackup: exactly one of JET_bitBackupEndNormal and JET_bitBackupEndAbort. */
JET_ERR JetEndExternalBackupInstance2(JET_API_PTR instance_handle, ULONG grbit)
{
    entry *e = begin_call("JetEndExternalBackupInstance2");
    arg(e, 0, instance_handle);
    arg(e, 1, grbit);
    JET_ERR err;
    instance *in = backup_instance(instance_handle, &err);
    if (!in) return err;
    int normal = (grbit & JET_bitBackupEndNormal) != 0, abort_ = (grbit & JET_bitBackupEndAbort) != 0;
    if (normal == abort_) return JET_errInvalidParameter;
    return backup_cleanup(in, normal ? 0 : -1 /* errBackupAbortByCaller */, grbit);
}

/* JetStopBackupInstanceEx (jetapi.cxx): only sets the stop flag and answers success. */
JET_ERR JetStopBackupInstance(JET_API_PTR instance_handle)
{
    entry *e = begin_call("JetStopBackupInstance");
    arg(e, 0, instance_handle);
    instance *in = find_instance(instance_handle);
    if (!in) return JET_errInvalidParameter;
    in->stop_backup = 1;
    return JET_errSuccess;
}

/* ---- restore: recorded, with the file checks the engine makes first ---------------------------------- */

JET_ERR JetRestoreInstanceW(JET_API_PTR instance_handle, const WCHAR *sz, const WCHAR *szDest, void *pfn)
{
    entry *e = begin_call("JetRestoreInstanceW");
    arg(e, 0, instance_handle);
    arg(e, 1, (uint64_t)(uintptr_t)pfn);
    str(e, 0, sz);
    str(e, 1, szDest);
    instance *in = find_instance(instance_handle);
    if (!in) return JET_errInvalidParameter;
    char folder[MAX_PATH_CHARS * 3];
    to_utf8(sz, folder, sizeof(folder));
    struct stat st;
    return stat(folder, &st) == 0 && S_ISDIR(st.st_mode) ? JET_errSuccess : JET_errFileNotFound;
}

/* JetExternalRestore2: the backed-up generations low..high must be in szBackupLogPath
   (JET_errMissingRestoreLogFiles) and every database copy at its new name. */
JET_ERR JetExternalRestore2W(WCHAR *szCheckpointFilePath, WCHAR *szLogPath, JET_RSTMAP_W *rgrstmap, LONG crstfilemap,
                             WCHAR *szBackupLogPath, JET_LOGINFO_W *pLogInfo, WCHAR *szTargetInstanceName,
                             WCHAR *szTargetInstanceLogPath, WCHAR *szTargetInstanceCheckpointPath, void *pfn)
{
    entry *e = begin_call("JetExternalRestore2W");
    str(e, 0, szCheckpointFilePath);
    str(e, 1, szLogPath);
    str(e, 2, szBackupLogPath);
    str(e, 3, szTargetInstanceName);
    str(e, 4, szTargetInstanceLogPath);
    str(e, 5, szTargetInstanceCheckpointPath);
    arg(e, 0, (uint64_t)(int64_t)crstfilemap);
    arg(e, 1, pLogInfo ? pLogInfo->cbSize : 0);
    arg(e, 2, pLogInfo ? pLogInfo->ulGenLow : 0);
    arg(e, 3, pLogInfo ? pLogInfo->ulGenHigh : 0);
    arg(e, 4, (uint64_t)(uintptr_t)pfn);
    arg(e, 5, rgrstmap != NULL);
    if (pLogInfo) {
        WCHAR base[5] = {0};
        memcpy(base, pLogInfo->szBaseName, sizeof(pLogInfo->szBaseName));
        str(e, 6, base);
    }
    if (rgrstmap && crstfilemap > 0) {
        str(e, 7, rgrstmap[0].szDatabaseName);
        str(e, 8, rgrstmap[0].szNewDatabaseName);
        str(e, 9, rgrstmap[crstfilemap - 1].szNewDatabaseName);
    }
    if (!szBackupLogPath || !pLogInfo) return JET_errInvalidParameter;
    instance scratch;
    memset(&scratch, 0, sizeof(scratch));
    to_utf8(szBackupLogPath, scratch.log_path, sizeof(scratch.log_path));
    for (int i = 0; i < 3; i++) scratch.base_name[i] = (char)pLogInfo->szBaseName[i];
    for (ULONG g = pLogInfo->ulGenLow; g > 0 && g <= pLogInfo->ulGenHigh; g++) {
        char path[MAX_PATH_CHARS * 3];
        archive_name(&scratch, (long)g, path, sizeof(path));
        if (file_size(path) < 0) return JET_errMissingRestoreLogFiles;
    }
    for (LONG i = 0; rgrstmap && i < crstfilemap; i++) {
        char path[MAX_PATH_CHARS * 3];
        to_utf8(rgrstmap[i].szNewDatabaseName, path, sizeof(path));
        if (file_size(path) < 0) return JET_errFileNotFound;
    }
    return JET_errSuccess;
}

/* JetGetSystemParameter: the process-wide database page size (JET_paramDatabasePageSize, 64). */
JET_ERR JetGetSystemParameterW(JET_API_PTR instance_handle, JET_API_PTR sesid, ULONG paramid, JET_API_PTR *plParam, WCHAR *szParam, ULONG cbMax)
{
    char name[80];
    snprintf(name, sizeof(name), "JetGetSystemParameterW#%u", (unsigned)paramid);
    entry *e = begin_call(name);
    arg(e, 0, instance_handle);
    arg(e, 1, sesid);
    arg(e, 2, cbMax);
    (void)szParam;
    if (instance_handle && !find_instance(instance_handle)) return JET_errInvalidParameter;
    if (paramid != 64 || !plParam) return JET_errInvalidParameter;
    *plParam = g_cbPage;
    return JET_errSuccess;
}
