#!/bin/sh
# The guest's second stage, PID 1 on the host's filesystem (read-only, a tmpfs over it; see
# initrd-init.sh). It mounts what a Debian machine has at boot, plus fresh, empty places for
# what must not be the host's (podman's storage, /run, /tmp), runs /out/cmd (written by
# boot.sh's caller) with its output in /out, writes its exit code to /out/status, and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
for d in /run /tmp /var/tmp /var/lib/containers /var/log /root; do mount -t tmpfs tmpfs "$d"; done
chmod 1777 /tmp /var/tmp
ln -s /run /var/run 2>/dev/null
hostname guest
# No systemd here: podman's cgroups by cgroupfs, its events to a file; no network device: no
# network for containers (the overlay's /etc is the guest's own: the host's is never written).
mkdir -p /etc/containers/containers.conf.d
printf '[containers]\nnetns = "none"\n\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' > /etc/containers/containers.conf.d/99-guest.conf
ip link set lo up 2>/dev/null || busybox ip link set lo up
cd /out
echo "guest: $(uname -r) up in $(cut -d' ' -f1 /proc/uptime) s" > /dev/console
sh /out/cmd > /out/stdout 2> /out/stderr
echo $? > /out/status
sync
echo "guest: done in $(cut -d' ' -f1 /proc/uptime) s, status $(cat /out/status)" > /dev/console
busybox poweroff -f
