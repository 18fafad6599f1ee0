/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CO-RE shims for kernel types that changed or disappeared. Each local "___imsw" flavour
 * is matched by libbpf against the running kernel's BTF by its name without the suffix.
 */
#ifndef IMSWATCH_COMPAT_BPF_H
#define IMSWATCH_COMPAT_BPF_H

/*
 * enum irq_domain_bus_token: DOMAIN_BUS_PCI_DEVICE_MSI/_MSIX/_IMS arrived with the
 * per-device MSI domains in 6.2 ("genirq/msi: Provide new domain id based interfaces");
 * _IMS was removed again in 6.10, and the numbers of the others have shifted since (15
 * meant IMS in 6.2). So never compare against literals: ask the kernel's BTF.
 */
enum irq_domain_bus_token___imsw {
	DOMAIN_BUS_PCI_DEVICE_MSI___imsw,
	DOMAIN_BUS_PCI_DEVICE_MSIX___imsw,
	DOMAIN_BUS_PCI_DEVICE_IMS___imsw,
};

/*
 * struct drv_dev_and_id is private to drivers/pci/pci-driver.c: local_pci_probe() gets it
 * as void *. Declared here rather than trusting vmlinux.h, because kernels after 6.18 change
 * local_pci_probe()'s argument; CO-RE then fails the relocation instead of reading garbage:
 * libbpf poisons the instruction, the verifier rejects local_pci_probe's programs, and the
 * loader (isolate_failures() in user/watch/loader.c) loads the other hooks without them and takes
 * pci_device_probe out of standby. The live VM scenario checks that path with an injected
 * verifier failure (IMSWATCH_TEST_FAIL_HOOKS=local_pci_probe).
 */
struct drv_dev_and_id___imsw {
	struct pci_driver *drv;
	struct pci_dev *dev;
	const struct pci_device_id *id;
} __attribute__((preserve_access_index));

#endif
