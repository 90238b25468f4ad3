package abi

// Record types of the audit container ID (contid), which contaudit emits from
// userspace because the kernel series that defined them (ghak90) was never
// merged. The drafts used 1020 for CONTAINER_OP and 1336 for CONTAINER_ID;
// 1000-1099 and 1300-1399 belong to the kernel, and mainline has since given
// 1336 to URINGOP, so reusing them would make ausearch misread our records.
//
// The numbers come from libaudit's "2600 - 2999 future user space" block
// (between the virtualization block 2500-2599 and AUDIT_LAST_USER_MSG2):
// libaudit names nothing there, and the kernel accepts those types from
// userspace (AUDIT_FIRST_USER_MSG2..AUDIT_LAST_USER_MSG2), so the records can
// also be sent through the kernel's audit log. The last two digits repeat the
// drafts' numbers so that readers of the old patches recognise them.
const (
	AUDIT_CONTAINER_OP = 2620 // contid set, drop and capcontid changes
	AUDIT_CONTAINER_ID = 2636 // auxiliary record: the contid chain of an event's process
)
