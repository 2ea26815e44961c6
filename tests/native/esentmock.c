/*
 * esentmock: a stand-in for esent.dll so the marshalling of EseBackup's P/Invoke layer can be tested
 * where there is no ESE engine. It exports the esent.h entry points EseBackup declares, with the
 * documented parameter types (WCHAR is uint16_t, Windows "unsigned long"/"long" are 32 bits,
 * JET_INSTANCE/JET_SESID/JET_HANDLE are pointer-sized), records every argument it receives, and
 * answers with scripted results. Control functions are prefixed mock_.
 *
 * Built at test time: cc -shared -fPIC -o libesentmock.so esentmock.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t JET_ERR;
typedef uintptr_t JET_API_PTR;
typedef uint16_t WCHAR;
typedef uint32_t ULONG; /* Windows unsigned long */
typedef int32_t LONG;   /* Windows long */

typedef struct {
    ULONG cbSize;
    ULONG ulGenLow;
    ULONG ulGenHigh;
    WCHAR szBaseName[4];
} JET_LOGINFO_W;

typedef struct {
    WCHAR *szDatabaseName;
    WCHAR *szNewDatabaseName;
} JET_RSTMAP_W;

#define JET_errInvalidParameter (-1003)
#define JET_errBufferTooSmall (-1038)

#define MAX_ENTRIES 96
#define MAX_ARGS 12
#define MAX_STRS 10
#define MAX_STR 1024
#define MAX_SEQUENCE 16384

typedef struct {
    char name[80];
    int used;
    int count;
    uint64_t args[MAX_ARGS];
    int str_len[MAX_STRS]; /* -1: NULL pointer */
    WCHAR strs[MAX_STRS][MAX_STR];
    int has_result;
    JET_ERR result;
} entry;

static entry entries[MAX_ENTRIES];
static char sequence[MAX_SEQUENCE];

static uint8_t *lists[3];
static ULONG list_bytes[3];
static int too_small_mode;

static ULONG loginfo_low, loginfo_high;
static WCHAR loginfo_base[4];

static JET_API_PTR instance_value = 0x1234;
static JET_API_PTR session_value = 0x5678;
static JET_API_PTR file_value = 0;
static ULONG file_size_low, file_size_high;
static uint8_t *file_content;
static ULONG file_length, file_position, file_max_per_read;
static int32_t db_info_value;

static entry *find(const char *name, int create)
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

/* Starts recording a call: clears the previous arguments, counts it, appends it to the sequence. */
static entry *begin_call(const char *name)
{
    entry *e = find(name, 1);
    if (!e) return NULL;
    int has = e->has_result;
    JET_ERR result = e->result;
    int count = e->count;
    memset(e->args, 0, sizeof(e->args));
    for (int i = 0; i < MAX_STRS; i++) e->str_len[i] = -1;
    e->has_result = has;
    e->result = result;
    e->count = count + 1;
    size_t used = strlen(sequence);
    if (used + strlen(name) + 2 < sizeof(sequence)) {
        if (used) strcat(sequence, ",");
        strcat(sequence, name);
    }
    return e;
}

static void arg(entry *e, int index, uint64_t value)
{
    if (e && index < MAX_ARGS) e->args[index] = value;
}

static void str(entry *e, int index, const WCHAR *s)
{
    if (!e || index >= MAX_STRS) return;
    if (!s) { e->str_len[index] = -1; return; }
    int n = 0;
    while (s[n] && n < MAX_STR - 1) { e->strs[index][n] = s[n]; n++; }
    e->strs[index][n] = 0;
    e->str_len[index] = n;
}

static JET_ERR result_of(entry *e) { return (e && e->has_result) ? e->result : 0; }

/* A list function: the engine copies what fits, reports the full size, and succeeds. */
static JET_ERR give_list(entry *e, int which, void *buffer, ULONG cbMax, ULONG *pcbActual)
{
    arg(e, 1, cbMax);
    arg(e, 2, buffer != NULL);
    arg(e, 3, pcbActual != NULL);
    JET_ERR err = result_of(e);
    if (err < 0) return err;
    ULONG actual = list_bytes[which];
    if (pcbActual) *pcbActual = actual;
    if (too_small_mode && cbMax < actual) return JET_errBufferTooSmall;
    if (buffer && lists[which]) memcpy(buffer, lists[which], cbMax < actual ? cbMax : actual);
    return err;
}

/* ---- control functions ---------------------------------------------------------------------- */

void mock_reset(void)
{
    memset(entries, 0, sizeof(entries));
    sequence[0] = 0;
    for (int i = 0; i < 3; i++) { free(lists[i]); lists[i] = NULL; list_bytes[i] = 0; }
    too_small_mode = 0;
    loginfo_low = loginfo_high = 0;
    memset(loginfo_base, 0, sizeof(loginfo_base));
    instance_value = 0x1234;
    session_value = 0x5678;
    file_value = 0;
    file_size_low = file_size_high = 0;
    free(file_content); file_content = NULL;
    file_length = file_position = file_max_per_read = 0;
    db_info_value = 0;
}

void mock_set_result(const char *name, int32_t err)
{
    entry *e = find(name, 1);
    if (e) { e->has_result = 1; e->result = err; }
}

int mock_call_count(const char *name)
{
    entry *e = find(name, 0);
    return e ? e->count : 0;
}

uint64_t mock_last_arg(const char *name, int index)
{
    entry *e = find(name, 0);
    return (e && index >= 0 && index < MAX_ARGS) ? e->args[index] : 0;
}

/* Copies string argument index of the last call; returns its length, -1 for NULL, -2 if never called. */
int mock_last_string(const char *name, int index, WCHAR *out, int capacity)
{
    entry *e = find(name, 0);
    if (!e || e->count == 0 || index < 0 || index >= MAX_STRS) return -2;
    int n = e->str_len[index];
    if (n < 0) return -1;
    for (int i = 0; i < n && i < capacity; i++) out[i] = e->strs[index][i];
    return n;
}

/* The comma-separated names of every call since the last reset, in order. */
int mock_sequence(char *out, int capacity)
{
    int n = (int)strlen(sequence);
    if (capacity > 0) {
        int m = n < capacity - 1 ? n : capacity - 1;
        memcpy(out, sequence, m);
        out[m] = 0;
    }
    return n;
}

/* which: 0 attach info, 1 log info, 2 truncate log info; data is the raw UTF-16 multi-string. */
void mock_set_list(int which, const WCHAR *data, uint32_t bytes)
{
    if (which < 0 || which > 2) return;
    free(lists[which]);
    lists[which] = malloc(bytes ? bytes : 1);
    memcpy(lists[which], data, bytes);
    list_bytes[which] = bytes;
}

void mock_set_buffer_too_small_mode(int on) { too_small_mode = on; }

void mock_set_loginfo(uint32_t low, uint32_t high, const WCHAR *base)
{
    loginfo_low = low;
    loginfo_high = high;
    memset(loginfo_base, 0, sizeof(loginfo_base));
    for (int i = 0; i < 3 && base && base[i]; i++) loginfo_base[i] = base[i];
}

void mock_set_handles(uint64_t instance, uint64_t session, uint64_t file)
{
    instance_value = (JET_API_PTR)instance;
    session_value = (JET_API_PTR)session;
    file_value = (JET_API_PTR)file;
}

void mock_set_file(uint32_t size_low, uint32_t size_high, const uint8_t *content, uint32_t length, uint32_t max_per_read)
{
    file_size_low = size_low;
    file_size_high = size_high;
    free(file_content);
    file_content = malloc(length ? length : 1);
    if (length) memcpy(file_content, content, length);
    file_length = length;
    file_position = 0;
    file_max_per_read = max_per_read;
}

void mock_set_db_info(int32_t value) { db_info_value = value; }

/* ---- esent.h entry points ------------------------------------------------------------------- */

JET_ERR JetCreateInstance2W(JET_API_PTR *pinstance, const WCHAR *szInstanceName, const WCHAR *szDisplayName, ULONG grbit)
{
    entry *e = begin_call("JetCreateInstance2W");
    str(e, 0, szInstanceName);
    str(e, 1, szDisplayName);
    arg(e, 0, grbit);
    JET_ERR err = result_of(e);
    if (err >= 0 && pinstance) *pinstance = instance_value;
    return err;
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
    return result_of(e);
}

JET_ERR JetInit3W(JET_API_PTR *pinstance, void *prstInfo, ULONG grbit)
{
    entry *e = begin_call("JetInit3W");
    arg(e, 0, pinstance ? (uint64_t)*pinstance : 0);
    arg(e, 1, (uint64_t)(uintptr_t)prstInfo);
    arg(e, 2, grbit);
    return result_of(e);
}

JET_ERR JetBeginSessionW(JET_API_PTR instance, JET_API_PTR *psesid, const WCHAR *szUserName, const WCHAR *szPassword)
{
    entry *e = begin_call("JetBeginSessionW");
    arg(e, 0, instance);
    str(e, 0, szUserName);
    str(e, 1, szPassword);
    JET_ERR err = result_of(e);
    if (err >= 0 && psesid) *psesid = session_value;
    return err;
}

JET_ERR JetAttachDatabase2W(JET_API_PTR sesid, const WCHAR *szFilename, ULONG cpgDatabaseSizeMax, ULONG grbit)
{
    entry *e = begin_call("JetAttachDatabase2W");
    arg(e, 0, sesid);
    arg(e, 1, cpgDatabaseSizeMax);
    arg(e, 2, grbit);
    str(e, 0, szFilename);
    return result_of(e);
}

JET_ERR JetDetachDatabase2W(JET_API_PTR sesid, const WCHAR *szFilename, ULONG grbit)
{
    entry *e = begin_call("JetDetachDatabase2W");
    arg(e, 0, sesid);
    arg(e, 1, grbit);
    str(e, 0, szFilename);
    return result_of(e);
}

JET_ERR JetEndSession(JET_API_PTR sesid, ULONG grbit)
{
    entry *e = begin_call("JetEndSession");
    arg(e, 0, sesid);
    arg(e, 1, grbit);
    return result_of(e);
}

JET_ERR JetTerm2(JET_API_PTR instance, ULONG grbit)
{
    entry *e = begin_call("JetTerm2");
    arg(e, 0, instance);
    arg(e, 1, grbit);
    return result_of(e);
}

JET_ERR JetGetDatabaseFileInfoW(const WCHAR *szDatabaseName, void *pvResult, ULONG cbMax, ULONG InfoLevel)
{
    entry *e = begin_call("JetGetDatabaseFileInfoW");
    str(e, 0, szDatabaseName);
    arg(e, 0, cbMax);
    arg(e, 1, InfoLevel);
    JET_ERR err = result_of(e);
    if (err >= 0 && pvResult && cbMax >= sizeof(int32_t)) memcpy(pvResult, &db_info_value, sizeof(int32_t));
    return err;
}

JET_ERR JetBeginExternalBackupInstance(JET_API_PTR instance, ULONG grbit)
{
    entry *e = begin_call("JetBeginExternalBackupInstance");
    arg(e, 0, instance);
    arg(e, 1, grbit);
    return result_of(e);
}

JET_ERR JetGetAttachInfoInstanceW(JET_API_PTR instance, void *szzDatabases, ULONG cbMax, ULONG *pcbActual)
{
    entry *e = begin_call("JetGetAttachInfoInstanceW");
    arg(e, 0, instance);
    return give_list(e, 0, szzDatabases, cbMax, pcbActual);
}

JET_ERR JetOpenFileInstanceW(JET_API_PTR instance, const WCHAR *szFileName, JET_API_PTR *phfFile, ULONG *pulFileSizeLow, ULONG *pulFileSizeHigh)
{
    entry *e = begin_call("JetOpenFileInstanceW");
    arg(e, 0, instance);
    str(e, 0, szFileName);
    JET_ERR err = result_of(e);
    if (err < 0) return err;
    *phfFile = file_value;
    *pulFileSizeLow = file_size_low;
    *pulFileSizeHigh = file_size_high;
    file_position = 0;
    return err;
}

JET_ERR JetReadFileInstance(JET_API_PTR instance, JET_API_PTR hfFile, void *pv, ULONG cb, ULONG *pcbActual)
{
    entry *e = begin_call("JetReadFileInstance");
    arg(e, 0, instance);
    arg(e, 1, hfFile);
    arg(e, 2, cb);
    arg(e, 3, pcbActual != NULL);
    arg(e, 4, (uint64_t)(uintptr_t)pv);
    JET_ERR err = result_of(e);
    if (err < 0) return err;
    ULONG left = file_length - file_position;
    ULONG n = cb < left ? cb : left;
    if (file_max_per_read && n > file_max_per_read) n = file_max_per_read;
    if (n) memcpy(pv, file_content + file_position, n);
    file_position += n;
    if (pcbActual) *pcbActual = n;
    return err;
}

JET_ERR JetCloseFileInstance(JET_API_PTR instance, JET_API_PTR hfFile)
{
    entry *e = begin_call("JetCloseFileInstance");
    arg(e, 0, instance);
    arg(e, 1, hfFile);
    return result_of(e);
}

JET_ERR JetGetLogInfoInstance2W(JET_API_PTR instance, void *wszzLogs, ULONG cbMax, ULONG *pcbActual, JET_LOGINFO_W *pLogInfo)
{
    entry *e = begin_call("JetGetLogInfoInstance2W");
    arg(e, 0, instance);
    arg(e, 4, pLogInfo ? pLogInfo->cbSize : 0);
    if (pLogInfo && pLogInfo->cbSize != sizeof(JET_LOGINFO_W)) return JET_errInvalidParameter;
    JET_ERR err = give_list(e, 1, wszzLogs, cbMax, pcbActual);
    if (err >= 0 && pLogInfo) {
        pLogInfo->ulGenLow = loginfo_low;
        pLogInfo->ulGenHigh = loginfo_high;
        memcpy(pLogInfo->szBaseName, loginfo_base, sizeof(loginfo_base));
    }
    return err;
}

JET_ERR JetGetTruncateLogInfoInstanceW(JET_API_PTR instance, void *wszzLogs, ULONG cbMax, ULONG *pcbActual)
{
    entry *e = begin_call("JetGetTruncateLogInfoInstanceW");
    arg(e, 0, instance);
    return give_list(e, 2, wszzLogs, cbMax, pcbActual);
}

JET_ERR JetTruncateLogInstance(JET_API_PTR instance)
{
    entry *e = begin_call("JetTruncateLogInstance");
    arg(e, 0, instance);
    return result_of(e);
}

JET_ERR JetEndExternalBackupInstance2(JET_API_PTR instance, ULONG grbit)
{
    entry *e = begin_call("JetEndExternalBackupInstance2");
    arg(e, 0, instance);
    arg(e, 1, grbit);
    return result_of(e);
}

JET_ERR JetStopBackupInstance(JET_API_PTR instance)
{
    entry *e = begin_call("JetStopBackupInstance");
    arg(e, 0, instance);
    return result_of(e);
}

JET_ERR JetRestoreInstanceW(JET_API_PTR instance, const WCHAR *sz, const WCHAR *szDest, void *pfn)
{
    entry *e = begin_call("JetRestoreInstanceW");
    arg(e, 0, instance);
    arg(e, 1, (uint64_t)(uintptr_t)pfn);
    str(e, 0, sz);
    str(e, 1, szDest);
    return result_of(e);
}

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
    return result_of(e);
}
