/* Access rights: the `%%n` message codes of AccessList, their mask bits and
 * their names (msobjs.dll message table, Windows Server 2019; see
 * ../shared/reference/windows-events.md section 3). Each object type owns a
 * block of 16 codes, code = block base + bit index; the standard rights have
 * fixed codes 1537..1543. */
#include <stdint.h>
#include <string.h>

#include "handleaudit/handleaudit.h"

struct block {
    uint16_t base;
    const char *type;        /* ObjectType it belongs to, NULL when unlabelled */
    const char *names[16];   /* by bit index; NULL = undefined */
};

/* Sorted by base. */
static const struct block blocks[] = {
    {1552, NULL,
     {"Unknown specific access (bit 0)", "Unknown specific access (bit 1)", "Unknown specific access (bit 2)",
      "Unknown specific access (bit 3)", "Unknown specific access (bit 4)", "Unknown specific access (bit 5)",
      "Unknown specific access (bit 6)", "Unknown specific access (bit 7)", "Unknown specific access (bit 8)",
      "Unknown specific access (bit 9)", "Unknown specific access (bit 10)", "Unknown specific access (bit 11)",
      "Unknown specific access (bit 12)", "Unknown specific access (bit 13)", "Unknown specific access (bit 14)",
      "Unknown specific access (bit 15)"}},
    {4352, "Device",
     {"Device Access Bit 0", "Device Access Bit 1", "Device Access Bit 2", "Device Access Bit 3",
      "Device Access Bit 4", "Device Access Bit 5", "Device Access Bit 6", "Device Access Bit 7",
      "Device Access Bit 8"}},
    {4368, "Directory", {"Query directory", "Traverse", "Create object in directory", "Create sub-directory"}},
    {4384, "Event", {"Query event state", "Modify event state"}},
    {4416, "File",
     {"ReadData (or ListDirectory)", "WriteData (or AddFile)",
      "AppendData (or AddSubdirectory or CreatePipeInstance)", "ReadEA", "WriteEA", "Execute/Traverse",
      "DeleteChild", "ReadAttributes", "WriteAttributes"}},
    {4432, "Key",
     {"Query key value", "Set key value", "Create sub-key", "Enumerate sub-keys", "Notify about changes to keys",
      "Create Link", NULL, NULL, "Enable 64(or 32) bit application to open 64 bit key",
      "Enable 64(or 32) bit application to open 32 bit key"}},
    {4448, "Mutant", {"Query mutant state"}},
    {4464, "Port", {"Communicate using port"}},
    {4480, "Process",
     {"Force process termination", "Create new thread in process", "Set process session ID",
      "Perform virtual memory operation", "Read from process memory", "Write to process memory",
      "Duplicate handle into or out of process", "Create a subprocess of process", "Set process quotas",
      "Set process information", "Query process information", "Set process termination port",
      "Undefined Access (no effect) Bit 12"}},
    {4496, "Profile", {"Control profile"}},
    {4512, "Section",
     {"Query section state", "Map section for write", "Map section for read", "Map section for execute",
      "Extend size"}},
    {4528, "Semaphore", {"Query semaphore state", "Modify semaphore state"}},
    {4544, "SymbolicLink", {"Use symbolic link"}},
    {4560, "Thread",
     {"Force thread termination", "Suspend or resume thread", "Send an alert to thread", "Get thread context",
      "Set thread context", "Set thread information", "Query thread information",
      "Assign a token to the thread", "Cause thread to directly impersonate another thread",
      "Directly impersonate this thread"}},
    {4576, "Timer", {"Query timer state", "Modify timer state"}},
    {4592, "Token",
     {"AssignAsPrimary", "Duplicate", "Impersonate", "Query", "QuerySource", "AdjustPrivileges",
      "AdjustGroups", "AdjustDefaultDacl", "AdjustSessionID"}},
    {4608, "Type", {"Create instance of object type"}},
    {5136, "Job",
     {"Assign process", "Set Attributes", "Query Attributes", "Terminate Job", "Set Security Attributes"}},
    {5376, "SAM_SERVER",
     {"ConnectToServer", "ShutdownServer", "InitializeServer", "CreateDomain", "EnumerateDomains",
      "LookupDomain"}},
    {5392, "SAM_DOMAIN",
     {"ReadPasswordParameters", "WritePasswordParameters", "ReadOtherParameters", "WriteOtherParameters",
      "CreateUser", "CreateGlobalGroup", "CreateLocalGroup", "GetLocalGroupMembership", "ListAccounts",
      "LookupIDs", "AdministerServer"}},
    {5408, "SAM_GROUP", {"ReadInformation", "WriteAccount", "AddMember", "RemoveMember", "ListMembers"}},
    {5424, "SAM_ALIAS", {"AddMember", "RemoveMember", "ListMembers", "ReadInformation", "WriteAccount"}},
    {5440, "SAM_USER",
     {"ReadGeneralInformation", "ReadPreferences", "WritePreferences", "ReadLogon", "ReadAccount",
      "WriteAccount", "ChangePassword", "SetPassword", "ListGroups", "ReadGroupMembership",
      "ChangeGroupMembership"}},
    {5696, "KeyedEvent", {"KeyedEvent Wait", "KeyedEvent Wake"}},
    {6656, "WindowStation",
     {"Enumerate desktops", "Read attributes", "Access Clipboard", "Create desktop", "Write attributes",
      "Access global atoms", "Exit windows", NULL, "Include this windowstation in enumerations",
      "Read screen"}},
    {6672, "Desktop",
     {"Read Objects", "Create window", "Create menu", "Hook control", "Journal (record)", "Journal (playback)",
      "Include this desktop in enumerations", "Write objects", "Switch to this desktop"}},
    {7680, NULL,
     {"Create Child", "Delete Child", "List Contents", "Write Self", "Read Property", "Write Property",
      "Delete Tree", "List Object", "Control Access"}},
};

/* Standard rights, codes 1537.. in this order. */
static const struct {
    uint32_t mask;
    const char *name;
} standard[] = {
    {0x00010000u, "DELETE"},      {0x00020000u, "READ_CONTROL"},   {0x00040000u, "WRITE_DAC"},
    {0x00080000u, "WRITE_OWNER"}, {0x00100000u, "SYNCHRONIZE"},    {0x01000000u, "ACCESS_SYS_SEC"},
    {0x02000000u, "MAX_ALLOWED"},
};

static const struct {
    uint32_t mask;
    const char *name;
} generic[] = {
    {0x10000000u, "GENERIC_ALL"},
    {0x20000000u, "GENERIC_EXECUTE"},
    {0x40000000u, "GENERIC_WRITE"},
    {0x80000000u, "GENERIC_READ"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct block *block_of_code(uint32_t code)
{
    size_t lo = 0, hi = COUNT(blocks);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (code < blocks[mid].base)
            hi = mid;
        else if (code >= (uint32_t)blocks[mid].base + 16)
            lo = mid + 1;
        else
            return &blocks[mid];
    }
    return NULL;
}

const char *ha_access_code_name(uint32_t code)
{
    if (code >= 1537 && code < 1537 + COUNT(standard))
        return standard[code - 1537].name;
    const struct block *b = block_of_code(code);
    return b ? b->names[code - b->base] : NULL;
}

uint32_t ha_access_code_mask(uint32_t code)
{
    if (code >= 1537 && code < 1537 + COUNT(standard))
        return standard[code - 1537].mask;
    const struct block *b = block_of_code(code);
    return b && b->names[code - b->base] ? UINT32_C(1) << (code - b->base) : 0;
}

static int same_type(const char *a, const char *b)
{
    /* ObjectType values are ASCII; compare case-insensitively. */
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

const char *ha_access_right_name(const char *object_type, uint32_t bit)
{
    if (bit == 0 || (bit & (bit - 1)) != 0)
        return NULL; /* not exactly one bit */
    for (size_t k = 0; k < COUNT(standard); k++)
        if (standard[k].mask == bit)
            return standard[k].name;
    for (size_t k = 0; k < COUNT(generic); k++)
        if (generic[k].mask == bit)
            return generic[k].name;
    if (bit > 0x8000u || !object_type)
        return NULL;
    unsigned index = 0;
    while ((UINT32_C(1) << index) != bit)
        index++;
    const char *type = object_type;
    if (same_type(type, "ALPC Port") || same_type(type, "WaitablePort"))
        type = "Port";
    for (size_t k = 0; k < COUNT(blocks); k++)
        if (blocks[k].type && same_type(blocks[k].type, type))
            return blocks[k].names[index];
    return NULL;
}
