// Package validators holds the provider's attribute validators and plan modifiers: the
// Secrets Manager and KMS naming and tagging rules checked at plan time, and the plan
// modifiers that keep plans quiet (equivalent policies, generated names).
//
// Where terraform-plugin-framework-validators has the check and its message is as clear
// as ours, the resources use it directly; what is here either has no equivalent there or
// says more (what is wrong, and how to fix it) than the generic message would.
package validators
